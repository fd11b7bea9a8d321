#!/usr/bin/env node
/*
 * Secured connections through kafkalite with kafkajs; KafkajsSecurityTest checks the output.
 *
 * Usage:
 *   node kafkajs_security.js roundtrip CONFIG_JSON TOPIC N
 *       produces N keyed records ("k-I" = "TOPIC-I") to the existing TOPIC (acks=-1), then reads them back
 *       in a consumer group "TOPIC-group" (subscribe from the beginning, offsets committed): every record
 *       once. Prints "ROUNDTRIP OK N" and exits 0, or a FAIL line and exits 1.
 *   node kafkajs_security.js connect CONFIG_JSON
 *       only connects: admin.connect() and admin.listTopics(), without retries. Prints "CONNECTED N topics",
 *       or "ERROR name=NAME [type=TYPE] [code=CODE] | MESSAGE" for what kafkajs threw, followed by one
 *       "CAUSE ..." line of the same form per wrapped error. Exits 0 either way (the caller judges).
 *
 * CONFIG_JSON: {"brokers": ["host:port"], "ssl": true | {"ca": FILE, "cert": FILE, "key": FILE}, "sasl":
 * {"mechanism": "plain" | "scram-sha-256" | "scram-sha-512", "username": U, "password": P}}; ssl and sasl are
 * optional, and the files are PEM, read here. Prints "kafkajs V (node V)" first.
 */
'use strict'

const fs = require('fs')
const { Kafka, logLevel } = require('kafkajs')

const TIMEOUT_MS = 30000

class Mismatch extends Error {}

function kafka(config, retries) {
  const options = {
    clientId: 'kafkalite-security',
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    authenticationTimeout: 3000,
    requestTimeout: 5000,
    retry: { initialRetryTime: 100, retries },
  }
  if (config.ssl === true) {
    options.ssl = true
  } else if (config.ssl) {
    const pem = file => fs.readFileSync(file, 'ascii')
    options.ssl = {}
    if (config.ssl.ca) options.ssl.ca = [pem(config.ssl.ca)]
    if (config.ssl.cert) options.ssl.cert = pem(config.ssl.cert)
    if (config.ssl.key) options.ssl.key = pem(config.ssl.key)
  }
  if (config.sasl) options.sasl = config.sasl
  return new Kafka(options)
}

/** NAME [type] [code] | message, of an error and of each error it wraps. */
function describe(e) {
  const lines = []
  for (let err = e, depth = 0; err && depth < 5; err = err.cause || err.originalError, depth++) {
    const type = err.type ? ` type=${err.type}` : ''
    const code = err.code !== undefined ? ` code=${err.code}` : ''
    lines.push(`${depth === 0 ? 'ERROR' : 'CAUSE'} name=${err.name}${type}${code} | ${String(err.message).replace(/\n/g, ' ')}`)
  }
  return lines.join('\n')
}

async function roundTrip(config, topic, n) {
  const client = kafka(config, 3)
  const producer = client.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  try {
    const messages = []
    for (let i = 0; i < n; i++) messages.push({ key: `k-${i}`, value: `${topic}-${i}` })
    await producer.send({ topic, messages, acks: -1, timeout: TIMEOUT_MS })
  } finally {
    await producer.disconnect()
  }

  const consumer = client.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 200, heartbeatInterval: 500 })
  const values = new Map()
  let failure = null
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key.toString()
        const value = message.value.toString()
        if (value !== `${topic}-${key.slice(2)}`) failure = new Mismatch(`key ${key} with value ${value}`)
        if (values.has(value)) failure = new Mismatch(`${value} read twice`)
        values.set(value, key)
      },
    })
    const deadline = Date.now() + TIMEOUT_MS
    while (values.size < n && !failure && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  } finally {
    await consumer.disconnect() // commits the offsets read
  }
  if (failure) throw failure
  if (values.size !== n) throw new Mismatch(`read ${values.size} of ${n} records within ${TIMEOUT_MS} ms`)
  console.log(`ROUNDTRIP OK ${n}`)
}

async function connect(config) {
  const admin = kafka(config, 0).admin()
  try {
    await admin.connect()
    const topics = await admin.listTopics()
    console.log(`CONNECTED ${topics.length} topics`)
  } catch (e) {
    console.log(describe(e))
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

async function main(argv) {
  const [mode, json, topic, n] = argv
  console.log(`kafkajs ${require('kafkajs/package.json').version} (node ${process.version})`)
  const config = JSON.parse(json)
  if (mode === 'roundtrip') {
    await roundTrip(config, topic, parseInt(n, 10))
  } else if (mode === 'connect') {
    await connect(config)
  } else {
    console.error('usage: node kafkajs_security.js roundtrip CONFIG_JSON TOPIC N | connect CONFIG_JSON')
    return 2
  }
  return 0
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  e => {
    console.log(`FAIL ${e instanceof Mismatch ? '' : e.name + ': '}${e.message}`)
    if (!(e instanceof Mismatch)) console.log(describe(e))
    process.exit(1)
  }
)
