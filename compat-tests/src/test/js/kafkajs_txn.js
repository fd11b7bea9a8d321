#!/usr/bin/env node
/*
 * Transactions through kafkalite with kafkajs (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit, EndTxn at the versions kafkajs speaks); KafkajsTransactionsTest checks the results.
 *
 * Usage:
 *   node kafkajs_txn.js produce BOOTSTRAP TOPIC TRANSACTIONAL_ID N
 *       one transaction writing N records to each of the 3 partitions, committed, then another, aborted:
 *       key "k-P-I", value "committed-P-I" / "aborted-P-I".
 *   node kafkajs_txn.js consume BOOTSTRAP TOPIC read_committed|read_uncommitted EXPECTED
 *       a consumer in a fresh group (no commits) reads the topic from the beginning until EXPECTED records came, and 1 s
 *       longer (anything beyond shows up); prints "RECORD P OFFSET KEY VALUE" per record.
 *   node kafkajs_txn.js rpw BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID TOTAL
 *       read-process-write: a consumer in GROUP reads INPUT; each batch is written as "out-VALUE" to the same
 *       partition of OUTPUT with its offsets (transaction.sendOffsets) in one committed transaction, until
 *       TOTAL records were processed. The first batch is written once in an aborted transaction first (after
 *       which the group must have no committed offset), then again, committed. Prints "ABORTED n", "PROCESSED n".
 * Prints "kafkajs txn ok" last; exits 1 with a FAIL line otherwise.
 */
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const PARTITIONS = 3
const TIMEOUT_MS = 30000

class Mismatch extends Error {}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function waitUntil(what, done, failed) {
  const deadline = Date.now() + TIMEOUT_MS
  while (!done()) {
    if (failed()) throw failed()
    if (Date.now() > deadline) throw new Mismatch(`timed out after ${TIMEOUT_MS / 1000}s waiting until ${what}`)
    await sleep(50)
  }
}

function transactionalProducer(kafka, transactionalId) {
  return kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 })
}

async function produce(kafka, topic, transactionalId, n) {
  const producer = transactionalProducer(kafka, transactionalId)
  await producer.connect()
  try {
    for (const kind of ['committed', 'aborted']) {
      const messages = []
      for (let p = 0; p < PARTITIONS; p++) {
        for (let i = 0; i < Number(n); i++) messages.push({ key: `k-${p}-${i}`, value: `${kind}-${p}-${i}`, partition: p })
      }
      const txn = await producer.transaction()
      await txn.send({ topic, messages })
      await (kind === 'committed' ? txn.commit() : txn.abort())
    }
  } finally {
    await producer.disconnect()
  }
}

async function consume(kafka, topic, isolation, expected) {
  const consumer = kafka.consumer({ groupId: `kafkajs-txn-read-${topic}-${isolation}-${Date.now()}`, readUncommitted: isolation === 'read_uncommitted', maxWaitTimeInMs: 200 })
  const records = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        records.push(`RECORD ${partition} ${message.offset} ${message.key} ${message.value}`)
      },
    })
    await waitUntil(`${expected} records came (${records.length} so far)`, () => records.length >= Number(expected), () => null)
    await sleep(1000)
  } finally {
    await consumer.disconnect()
  }
  records.forEach(r => console.log(r))
}

async function readProcessWrite(kafka, input, output, group, transactionalId, total) {
  const admin = kafka.admin()
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 })
  const producer = transactionalProducer(kafka, transactionalId)
  let processed = 0
  let aborted = null
  let failure = null
  await Promise.all([admin.connect(), consumer.connect(), producer.connect()])
  try {
    await consumer.subscribe({ topics: [input], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (failure || batch.messages.length === 0) return
        try {
          const next = String(Number(batch.messages[batch.messages.length - 1].offset) + 1)
          for (const end of (aborted === null ? ['abort'] : []).concat(['commit'])) {
            const txn = await producer.transaction()
            await txn.send({
              topic: output,
              messages: batch.messages.map(m => ({ key: m.key, value: `out-${m.value}`, partition: batch.partition })),
            })
            await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: next }] }] })
            if (end === 'commit') {
              await txn.commit()
              continue
            }
            await txn.abort()
            aborted = batch.messages.length
            const committed = (await admin.fetchOffsets({ groupId: group, topics: [input] }))[0].partitions
            if (committed.some(p => p.offset !== '-1')) {
              throw new Mismatch(`after the aborted transaction the group committed ${JSON.stringify(committed)}`)
            }
          }
          processed += batch.messages.length
        } catch (e) {
          failure = failure || e
        }
      },
    })
    await waitUntil(`${total} records were processed`, () => processed >= Number(total), () => failure)
    await sleep(1000) // anything processed twice shows up
    if (failure) throw failure
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
    await admin.disconnect()
  }
  console.log(`ABORTED ${aborted}`)
  console.log(`PROCESSED ${processed}`)
}

async function main(argv) {
  const commands = { produce: [produce, 3], consume: [consume, 3], rpw: [readProcessWrite, 5] }
  const [command, bootstrap, ...args] = argv
  if (!commands[command] || args.length !== commands[command][1]) {
    console.error('usage: see the header of kafkajs_txn.js')
    return 2
  }
  const kafka = new Kafka({
    clientId: 'kafkajs-txn',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 6 },
  })
  console.log(`kafkajs ${require('kafkajs/package.json').version} (node ${process.version})`)
  try {
    await commands[command][0](kafka, ...args)
  } catch (e) {
    console.log(`FAIL ${e instanceof Mismatch ? '' : e.name + ': '}${e.message}`)
    if (!(e instanceof Mismatch) && e.stack) console.error(e.stack)
    return 1
  }
  console.log('kafkajs txn ok')
  return 0
}

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
main(process.argv.slice(2)).then(code => process.exit(code), e => {
  console.log(`FAIL ${e.stack || e}`)
  process.exit(1)
})
