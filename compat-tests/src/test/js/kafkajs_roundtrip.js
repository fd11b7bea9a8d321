#!/usr/bin/env node
/*
 * Round trip through kafkalite with kafkajs (a pure-JavaScript implementation of the Kafka protocol),
 * once per compression codec.
 *
 * Usage: node kafkajs_roundtrip.js BOOTSTRAP [TOPIC_PREFIX] [CODEC...]
 *
 * For each codec: creates a 3-partition topic <prefix>-<codec> with the kafkajs admin, produces N keyed
 * records with headers through an idempotent producer (acks=-1, maxInFlightRequests=1) in batches
 * compressed with that codec, checks the end offsets with admin.fetchTopicOffsets() (ListOffsets), and
 * reads every partition back from offset 0 with kafkajs's own Fetch request and record-batch decoder
 * (kafkajs consumers always join a consumer group, which the broker does not serve yet, so the read side
 * talks to the partition leader through the client's cluster object instead). Every record is checked:
 * key, value, headers, per-partition offsets contiguous from 0, per-partition order of production.
 *
 * The records are a pure function of (codec, i), see record(); KafkajsTest recomputes them in Java to
 * read the same topics back with the stock Java consumer.
 *
 * Codecs: gzip is built into kafkajs; snappy is kafkajs-snappy (snappyjs, pure JS); lz4 is lz4js (pure JS,
 * LZ4 frame format as Kafka uses since magic v1); zstd is @bokuweb/zstd-wasm (WebAssembly). No native
 * module is needed.
 *
 * Prints one OK/FAIL line per codec and a summary; exits 0 when every codec round-tripped, 1 otherwise.
 */
'use strict'

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')
const lz4 = require('lz4js')
const xxh32 = require('lz4js/xxh32')
const zstd = require('@bokuweb/zstd-wasm')

const N = 2000
const PARTITIONS = 3
const SEND_BATCH = 250
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const TYPES = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}
const READ_TIMEOUT_MS = 60000

class Mismatch extends Error {}

async function registerCodecs() {
  await zstd.init()
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    async compress(encoder) {
      return lz4Frame(encoder.buffer)
    },
    async decompress(buffer) {
      return Buffer.from(lz4.decompress(buffer))
    },
  })
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    async compress(encoder) {
      return Buffer.from(zstd.compress(encoder.buffer, 3))
    },
    async decompress(buffer) {
      // frames without a content size (streaming compressors) are decompressed into at most this much
      return Buffer.from(zstd.decompress(buffer, { defaultHeapSize: 16 * 1024 * 1024 }))
    },
  })
}

/**
 * An LZ4 frame of independent 64 KiB blocks, as Kafka requires (its Lz4BlockInputStream rejects frames
 * without the block-independence flag: "Dependent block stream is unsupported"). lz4js.compress() writes
 * FLG=0x40 (dependent blocks, 4 MiB) and shares one hash table across blocks, so it can't be used as is;
 * its block compressor is used here with a fresh hash table per block.
 */
function lz4Frame(src) {
  const BLOCK = 64 * 1024
  const parts = []
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60 /* version 01, independent blocks */, 0x40 /* 64 KiB */, 0])
  header[6] = (xxh32.hash(0, header, 4, 2) >> 8) & 0xff
  parts.push(header)
  const out = new Uint8Array(lz4.compressBound(BLOCK))
  for (let start = 0; start < src.length; start += BLOCK) {
    const length = Math.min(BLOCK, src.length - start)
    const size = lz4.compressBlock(src, out, start, length, new Uint32Array(1 << 16))
    const sizeField = Buffer.alloc(4)
    if (size === 0 || size >= length) {
      sizeField.writeUInt32LE((0x80000000 | length) >>> 0) // stored uncompressed
      parts.push(sizeField, Buffer.from(src.subarray(start, start + length)))
    } else {
      sizeField.writeUInt32LE(size)
      parts.push(sizeField, Buffer.from(out.subarray(0, size)))
    }
  }
  parts.push(Buffer.alloc(4)) // end mark
  return Buffer.concat(parts)
}

/** Record i of a codec's topic. Keep in sync with KafkajsTest.expectedValue(). */
function record(codec, i) {
  const key = `key-${codec}-${String(i).padStart(5, '0')}`
  const value = `value ${i} of ${codec} ` + 'abcdefghij'.repeat(i % 40)
  return { key, value, headers: { seq: String(i), codec } }
}

function seqOfKey(key) {
  const m = /-(\d{5})$/.exec(key)
  return m ? parseInt(m[1], 10) : -1
}

async function createTopic(admin, topic) {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
    timeout: 30000,
  })
  if (!created) {
    throw new Mismatch(`createTopics(${topic}) returned false: the topic already existed`)
  }
}

async function produce(kafka, topic, codec) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
  await producer.connect()
  const acked = { counts: {}, sends: 0 }
  try {
    for (let start = 0; start < N; start += SEND_BATCH) {
      const messages = []
      for (let i = start; i < Math.min(N, start + SEND_BATCH); i++) {
        messages.push(record(codec, i))
      }
      const metadata = await producer.send({ topic, messages, acks: -1, compression: TYPES[codec], timeout: 30000 })
      acked.sends++
      for (const m of metadata) {
        if (m.errorCode !== 0) {
          throw new Mismatch(`produce to ${m.topicName}-${m.partition} answered error code ${m.errorCode}`)
        }
      }
    }
  } finally {
    await producer.disconnect()
  }
  return acked
}

/** End offsets through ListOffsets (admin.fetchTopicOffsets asks for latest, then earliest). */
async function endOffsets(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic)
  const result = {}
  for (const o of offsets) {
    result[o.partition] = { low: Number(o.low), high: Number(o.high) }
  }
  return result
}

/** Reads all partitions from offset 0 with kafkajs's Fetch request, until `total` records came or time is up. */
async function readBack(kafka, topic, total) {
  const createCluster = Object.getOwnPropertySymbols(kafka).find(s => s.description === 'private:Kafka:createCluster')
  if (!createCluster) {
    throw new Error('this kafkajs version has no private:Kafka:createCluster; update readBack()')
  }
  const cluster = kafka[createCluster]({ allowAutoTopicCreation: false })
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    await cluster.refreshMetadata()
    const next = {}
    const records = {}
    for (let p = 0; p < PARTITIONS; p++) {
      next[p] = 0
      records[p] = []
    }
    const deadline = Date.now() + READ_TIMEOUT_MS
    let count = 0
    let fetches = 0
    while (count < total && Date.now() < deadline) {
      const byLeader = cluster.findLeaderForPartitions(topic, Object.keys(next))
      for (const [nodeId, partitions] of Object.entries(byLeader)) {
        const broker = await cluster.findBroker({ nodeId })
        const response = await broker.fetch({
          replicaId: -1,
          isolationLevel: 0,
          maxWaitTime: 200,
          minBytes: 1,
          maxBytes: 4 * 1024 * 1024,
          topics: [{ topic, partitions: partitions.map(p => ({ partition: p, fetchOffset: String(next[p]), maxBytes: 1024 * 1024 })) }],
        })
        fetches++
        for (const tr of response.responses) {
          for (const pr of tr.partitions) {
            if (pr.errorCode !== 0) {
              throw new Mismatch(`Fetch ${topic}-${pr.partition} at ${next[pr.partition]}: error code ${pr.errorCode}`)
            }
            for (const m of pr.messages) {
              const offset = Number(m.offset)
              if (m.isControlRecord || offset < next[pr.partition]) {
                continue // a batch is returned whole, so the records before the fetch offset come again
              }
              records[pr.partition].push(m)
              next[pr.partition] = offset + 1
              count++
            }
          }
        }
      }
    }
    return { records, fetches }
  } finally {
    await cluster.disconnect()
  }
}

function check(codec, records) {
  let total = 0
  const seen = new Set()
  const counts = {}
  for (const [p, msgs] of Object.entries(records)) {
    counts[p] = msgs.length
    total += msgs.length
    let lastSeq = -1
    msgs.forEach((m, k) => {
      const where = `${p}@${m.offset}`
      if (Number(m.offset) !== k) {
        throw new Mismatch(`partition ${p}: offsets not contiguous from 0; position ${k} has offset ${m.offset}`)
      }
      const key = m.key === null ? null : m.key.toString()
      const i = key === null ? -1 : seqOfKey(key)
      if (i < 0 || i >= N) {
        throw new Mismatch(`${where}: unexpected key ${JSON.stringify(key)}`)
      }
      const want = record(codec, i)
      if (key !== want.key) {
        throw new Mismatch(`${where}: key ${key} != ${want.key}`)
      }
      const value = m.value === null ? null : m.value.toString()
      if (value !== want.value) {
        throw new Mismatch(`${where} (record ${i}): value ${JSON.stringify(value && value.slice(0, 60))} != ${JSON.stringify(want.value.slice(0, 60))}`)
      }
      const headers = {}
      for (const [h, v] of Object.entries(m.headers || {})) {
        headers[h] = Buffer.isBuffer(v) ? v.toString() : String(v)
      }
      if (JSON.stringify(headers) !== JSON.stringify(want.headers)) {
        throw new Mismatch(`${where} (record ${i}): headers ${JSON.stringify(headers)} != ${JSON.stringify(want.headers)}`)
      }
      if (seen.has(i)) {
        throw new Mismatch(`${where}: record ${i} read twice (duplicate write?)`)
      }
      seen.add(i)
      if (i <= lastSeq) {
        throw new Mismatch(`${where}: record ${i} after record ${lastSeq} in the same partition (reordered)`)
      }
      lastSeq = i
    })
  }
  if (total !== N) {
    const missing = []
    for (let i = 0; i < N && missing.length < 5; i++) {
      if (!seen.has(i)) missing.push(i)
    }
    throw new Mismatch(`read ${total} records, expected ${N}; first missing: ${missing.join(', ')}`)
  }
  return counts
}

async function roundTrip(kafka, admin, prefix, codec) {
  const topic = `${prefix}-${codec}`
  await createTopic(admin, topic)
  const acked = await produce(kafka, topic, codec)
  const problems = []
  const { records, fetches } = await readBack(kafka, topic, N)
  let counts
  try {
    counts = check(codec, records)
  } catch (e) {
    problems.push(`read back with Fetch from offset 0: ${e.message}`)
  }
  try {
    const offsets = await endOffsets(admin, topic)
    for (let p = 0; p < PARTITIONS; p++) {
      const got = offsets[p] || {}
      const want = records[p].length
      if (got.low !== 0 || got.high !== want) {
        throw new Mismatch(`partition ${p}: low ${got.low} high ${got.high}, expected low 0 high ${want}`)
      }
    }
  } catch (e) {
    problems.push(`ListOffsets via admin.fetchTopicOffsets(): ${e.name === 'Mismatch' ? '' : e.name + ': '}${e.message}`)
  }
  if (problems.length) {
    throw new Mismatch(problems.join('; '))
  }
  return `topic=${topic} records=${N} sends=${acked.sends} fetches=${fetches} per-partition=${JSON.stringify(counts)}`
}

async function main(argv) {
  if (argv.length < 1) {
    console.error('usage: node kafkajs_roundtrip.js BOOTSTRAP [TOPIC_PREFIX] [CODEC...]')
    return 2
  }
  const [bootstrap, prefix = 'kafkajs', ...rest] = argv
  const codecs = rest.length ? rest : CODECS
  await registerCodecs()
  const kafka = new Kafka({
    clientId: 'kafkalite-compat',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 4 },
  })
  const admin = kafka.admin()
  await admin.connect()
  const failures = []
  try {
    for (const codec of codecs) {
      const started = Date.now()
      try {
        const summary = await roundTrip(kafka, admin, prefix, codec)
        console.log(`OK   ${codec.padEnd(6)} ${summary} (${((Date.now() - started) / 1000).toFixed(1)}s)`)
      } catch (e) {
        failures.push(codec)
        const kind = e instanceof Mismatch ? '' : `${e.name}: `
        console.log(`FAIL ${codec.padEnd(6)} topic=${prefix}-${codec}: ${kind}${e.message}`)
        if (!(e instanceof Mismatch) && e.stack) console.error(e.stack)
      }
    }
  } finally {
    await admin.disconnect()
  }
  const version = require('kafkajs/package.json').version
  console.log(`kafkajs ${version} (node ${process.version}): ${codecs.length - failures.length} codecs ok, ${failures.length} failed${failures.length ? ': ' + failures.join(', ') : ''}`)
  return failures.length ? 1 : 0
}

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
main(process.argv.slice(2)).then(
  code => process.exit(code),
  e => {
    console.log(`FAIL ${e.stack || e}`)
    process.exit(1)
  }
)
