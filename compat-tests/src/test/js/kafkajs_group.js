#!/usr/bin/env node
/*
 * Two kafkajs consumers in one consumer group against kafkalite (classic group protocol: FindCoordinator,
 * JoinGroup, SyncGroup, Heartbeat, OffsetCommit, OffsetFetch, LeaveGroup, at the versions kafkajs speaks).
 *
 * Usage: node kafkajs_group.js BOOTSTRAP TOPIC GROUP
 *
 * On a 4-partition topic, with records "<topic>-<i>" produced to partition i % 4 throughout:
 *   1. consumer A joins alone and gets all 4 partitions; it reads;
 *   2. consumer B joins the same group: after the rebalance each owns 2 partitions (disjoint), and
 *      admin.describeGroups() shows the group Stable with 2 members; both read;
 *   3. B disconnects (LeaveGroup): A takes all 4 partitions back and reads the rest;
 *   4. a fresh consumer C in the same group resumes from the committed offsets: it reads only records
 *      produced after it joined.
 * The consumers run with autoCommit: false and commit each batch's offsets explicitly (OffsetCommit)
 * right after processing it. Checks: every record read, none twice; a consumer only gets records of
 * partitions it owns; per partition the offsets read are exactly 0..end-1 and the values in production
 * order; the committed offsets (admin.fetchOffsets, OffsetFetch) equal the end offsets
 * (admin.fetchTopicOffsets, ListOffsets), while split (the per-batch commits of both) and at the end.
 * Prints progress, the API versions kafkajs used, then "kafkajs group ok"; exits 1 with a FAIL line otherwise.
 */
'use strict'

const { Kafka, AssignerProtocol, logLevel } = require('kafkajs')

const PARTITIONS = 4
const TIMEOUT_MS = 60000
const T0 = Date.now()

class Mismatch extends Error {}

function log(msg) {
  console.log(`${((Date.now() - T0) / 1000).toFixed(2).padStart(7)}s ${msg}`)
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function waitUntil(what, done, members, ms = TIMEOUT_MS) {
  const deadline = Date.now() + ms
  while (!done()) {
    for (const m of members) {
      if (m.error) throw m.error
    }
    if (Date.now() > deadline) {
      throw new Mismatch(`timed out after ${ms / 1000}s waiting until ${what}; ` +
        members.map(m => `${m.name} owns [${m.owned}], read ${m.count}`).join('; '))
    }
    await sleep(50)
  }
  for (const m of members) {
    if (m.error) throw m.error
  }
}

/** kafkajs API versions used, by API name: shared by every client in this process */
const apiVersions = {}

function trackRequests(client) {
  client.on(client.events.REQUEST, ({ payload }) => {
    const set = (apiVersions[payload.apiName] = apiVersions[payload.apiName] || new Set())
    set.add(payload.apiVersion)
  })
}

class Member {
  constructor(kafka, name, topic, group, seen) {
    this.name = name
    this.topic = topic
    this.seen = seen // value -> [{ member, partition, offset }]
    this.count = 0
    this.commits = 0
    this.owned = []
    this.joins = []
    this.error = null
    this.consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: 10000,
      rebalanceTimeout: 20000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
      retry: { retries: 3, initialRetryTime: 200 },
    })
    trackRequests(this.consumer)
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.owned = (payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
      this.joins.push(this.owned)
      this.memberId = payload.memberId
      log(`${name}: joined generation as ${payload.isLeader ? 'leader' : 'follower'} (${payload.groupProtocol}), owns [${this.owned}]`)
    })
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      log(`${name}: CRASH ${payload.error && payload.error.stack} restart=${payload.restart}`)
      this.error = this.error || new Mismatch(`${name} crashed: ${payload.error}`)
    })
  }

  async start() {
    await this.consumer.connect()
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true })
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        try {
          await this.onBatch(batch, commitOffsetsIfNecessary)
        } catch (e) {
          this.error = this.error || e
          throw e
        }
        await heartbeat()
      },
    })
  }

  async onBatch(batch, commit) {
    if (batch.messages.length === 0) return
    const { partition } = batch
    if (!this.owned.includes(partition)) {
      throw new Mismatch(`${this.name}: got a batch of partition ${partition}, which it does not own (owns [${this.owned}])`)
    }
    for (const m of batch.messages) {
      const value = m.value.toString()
      const hits = (this.seen[value] = this.seen[value] || [])
      hits.push({ member: this.name, partition, offset: Number(m.offset) })
    }
    this.count += batch.messages.length
    const next = String(Number(batch.messages[batch.messages.length - 1].offset) + 1)
    // a failed commit throws out of eachBatch and crashes the consumer: reported, never retried silently
    await commit({ topics: [{ topic: this.topic, partitions: [{ partition, offset: next }] }] })
    this.commits++
  }

  async stop() {
    if (this.consumer) {
      const c = this.consumer
      this.consumer = null
      await c.disconnect()
    }
  }
}

class Source {
  constructor(kafka, topic) {
    this.topic = topic
    this.next = 0
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    trackRequests(this.producer)
  }

  async produce(count) {
    const messages = []
    for (let k = 0; k < count; k++, this.next++) {
      messages.push({ key: `key-${this.next}`, value: `${this.topic}-${this.next}`, partition: this.next % PARTITIONS })
    }
    await this.producer.send({ topic: this.topic, acks: -1, messages })
  }
}

/** the end offset of each partition after `produced` records (record i went to partition i % 4) */
function endOffsets(produced) {
  const ends = {}
  for (let i = 0; i < produced; i++) ends[i % PARTITIONS] = (ends[i % PARTITIONS] || 0) + 1
  return ends
}

/** the group's committed offsets (OffsetFetch), by partition */
async function committedOffsets(admin, group, topic) {
  const fetched = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  return Object.fromEntries(fetched[0].partitions.map(p => [p.partition, Number(p.offset)]))
}

async function run(kafka, topic, group) {
  const admin = kafka.admin()
  trackRequests(admin)
  await admin.connect()
  const seen = {}
  const members = []
  let a, b, c
  const source = new Source(kafka, topic)
  try {
    if (!(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true }))) {
      throw new Mismatch(`topic ${topic} already exists`)
    }
    await source.producer.connect()
    await source.produce(400)
    log(`produced 400 records to ${topic}`)

    // 1. A alone owns all 4 partitions
    a = new Member(kafka, 'A', topic, group, seen)
    members.push(a)
    await a.start()
    await waitUntil('A owns 4 partitions and read 150 records', () => a.owned.length === 4 && a.count >= 150, [a])
    await source.produce(100)
    log(`A owns [${a.owned}] and read ${a.count}; produced 100 more`)

    // 2. B joins: 2 partitions each
    b = new Member(kafka, 'B', topic, group, seen)
    members.push(b)
    await b.start()
    const split = () => a.owned.length === 2 && b.owned.length === 2 && a.owned.every(p => !b.owned.includes(p))
    await waitUntil('A and B own 2 disjoint partitions each', split, [a, b])
    log(`split: A owns [${a.owned}], B owns [${b.owned}]`)
    // DescribeGroups: Stable, both members (polled: the coordinator may still be completing the sync)
    let described
    const deadline = Date.now() + 15000
    for (;;) {
      described = (await admin.describeGroups([group])).groups[0]
      if (described.state === 'Stable' && described.members.length === 2) break
      if (Date.now() > deadline) throw new Mismatch(`DescribeGroups while split: ${JSON.stringify(described)}`)
      await sleep(200)
    }
    const clientIds = described.members.map(m => m.clientId).sort()
    if (described.protocolType !== 'consumer' || JSON.stringify(clientIds) !== '["kafkajs-group","kafkajs-group"]' ||
      described.errorCode !== 0) {
      throw new Mismatch(`DescribeGroups while split: ${JSON.stringify(described)}`)
    }
    for (const m of [a, b]) {
      const d = described.members.find(x => x.memberId === m.memberId)
      const assigned = d && AssignerProtocol.MemberAssignment.decode(d.memberAssignment)
      const parts = assigned && (assigned.assignment[topic] || []).slice().sort((x, y) => x - y)
      if (!d || JSON.stringify(parts) !== JSON.stringify(m.owned)) {
        throw new Mismatch(`DescribeGroups: member ${m.name} (${m.memberId}) owns [${m.owned}], described as ${JSON.stringify(d && { ...d, assigned })}`)
      }
    }
    log(`DescribeGroups: ${described.state}, protocol ${described.protocolType}/${described.protocol}, ` +
      `members ${described.members.map(m => m.memberId).sort()}, assignments match`)
    const aBefore = a.count
    const bBefore = b.count
    await source.produce(200)
    await waitUntil(`all records so far are read, by both`, () =>
      Object.keys(seen).length >= source.next && a.count > aBefore && b.count > bBefore && split(), [a, b])
    log(`split read: A read ${a.count} in all, B read ${b.count}; ${Object.keys(seen).length} distinct`)
    // no rebalance since the split: the per-batch commits of both members
    const midEnds = endOffsets(source.next)
    const midCommitted = await committedOffsets(admin, group, topic)
    if (JSON.stringify(midCommitted) !== JSON.stringify(midEnds)) {
      throw new Mismatch(`committed offsets while split ${JSON.stringify(midCommitted)}, expected the end offsets ${JSON.stringify(midEnds)}`)
    }
    log(`committed offsets while split = end offsets = ${JSON.stringify(midCommitted)}`)
    const bMid = b.count
    await source.produce(100)
    await waitUntil('B reads the 50 new records of its 2 partitions', () => b.count >= bMid + 50, [a, b])

    // 3. B leaves; A takes everything back
    await b.stop()
    log(`B disconnected after reading ${b.count} (${b.commits} commits)`)
    await source.produce(200)
    await waitUntil('A owns 4 partitions again and everything is read',
      () => a.owned.length === 4 && Object.keys(seen).length >= source.next, [a])
    log(`A owns [${a.owned}] again; ${Object.keys(seen).length} distinct records read of ${source.next}`)
    await a.stop()
    log(`A disconnected after reading ${a.count} (${a.commits} commits)`)

    // the committed offsets are the end offsets
    const ends = endOffsets(source.next)
    const high = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map(p => [p.partition, Number(p.high)]))
    const committed = await committedOffsets(admin, group, topic)
    if (JSON.stringify(committed) !== JSON.stringify(ends) || JSON.stringify(high) !== JSON.stringify(ends)) {
      throw new Mismatch(`committed offsets ${JSON.stringify(committed)}, end offsets ${JSON.stringify(high)}, expected ${JSON.stringify(ends)}`)
    }
    log(`committed offsets = end offsets = ${JSON.stringify(committed)}`)

    // 4. a new member resumes from the committed offsets
    c = new Member(kafka, 'C', topic, group, seen)
    members.push(c)
    await c.start()
    await waitUntil('C owns 4 partitions', () => c.owned.length === 4, [c])
    const firstNew = source.next
    await source.produce(40)
    await waitUntil('C reads the 40 new records', () => Object.keys(seen).length >= source.next, [c], 30000)
    await sleep(1000) // anything beyond, e.g. old records read again, shows up below
    const cValues = Object.entries(seen).filter(([, hits]) => hits.some(h => h.member === 'C')).map(([v]) => v)
      .sort((x, y) => Number(x.split('-').pop()) - Number(y.split('-').pop()))
    const expected = Array.from({ length: source.next - firstNew }, (_, k) => `${topic}-${firstNew + k}`)
    if (JSON.stringify(cValues) !== JSON.stringify(expected)) {
      throw new Mismatch(`C read ${cValues.length} records ${cValues.slice(0, 5)}..., expected only the ${expected.length} new ones ${expected.slice(0, 5)}...`)
    }
    log(`C resumed at the committed offsets: read only the ${cValues.length} new records`)
    await c.stop()
  } finally {
    for (const m of members) {
      await m.stop().catch(e => log(`disconnect ${m.name}: ${e}`))
    }
    await source.producer.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
  }
  for (const m of members) {
    if (m.error) throw m.error
  }

  // every record read exactly once; per partition, offsets 0..end-1 in production order
  const missing = []
  for (let i = 0; i < source.next; i++) {
    if (!seen[`${topic}-${i}`]) missing.push(i)
  }
  const twice = Object.entries(seen).filter(([, hits]) => hits.length > 1)
  if (missing.length || twice.length) {
    throw new Mismatch(`${missing.length} records never read (${missing.slice(0, 5)}...), ` +
      `${twice.length} read more than once (${JSON.stringify(twice.slice(0, 5))}...)`)
  }
  for (const [value, [hit]] of Object.entries(seen)) {
    const i = Number(value.split('-').pop())
    if (hit.partition !== i % PARTITIONS || hit.offset !== Math.floor(i / PARTITIONS)) {
      throw new Mismatch(`record ${value} read at partition ${hit.partition} offset ${hit.offset}, ` +
        `expected partition ${i % PARTITIONS} offset ${Math.floor(i / PARTITIONS)}`)
    }
  }
  const byMember = {}
  for (const [hit] of Object.values(seen)) byMember[hit.member] = (byMember[hit.member] || 0) + 1
  log(`TOTAL ${Object.keys(seen).length} records, each read once: ${JSON.stringify(byMember)}; ` +
    `A owned ${JSON.stringify(a.joins)}, B owned ${JSON.stringify(b.joins)}`)
  if (!byMember.A || !byMember.B) throw new Mismatch(`a member read nothing: ${JSON.stringify(byMember)}`)
}

async function main(argv) {
  if (argv.length < 3) {
    console.error('usage: node kafkajs_group.js BOOTSTRAP TOPIC GROUP')
    return 2
  }
  const [bootstrap, topic, group] = argv
  const kafka = new Kafka({
    clientId: 'kafkajs-group',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 4 },
  })
  log(`kafkajs ${require('kafkajs/package.json').version} (node ${process.version})`)
  try {
    await run(kafka, topic, group)
  } catch (e) {
    const kind = e instanceof Mismatch ? '' : `${e.name}: `
    log(`FAIL ${kind}${e.message}`)
    if (!(e instanceof Mismatch) && e.stack) console.error(e.stack)
    return 1
  } finally {
    log('API versions used: ' + Object.keys(apiVersions).sort().map(k => `${k} v${[...apiVersions[k]].sort().join(',')}`).join(', '))
  }
  console.log('kafkajs group ok')
  return 0
}

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
main(process.argv.slice(2)).then(
  code => process.exit(code),
  e => {
    console.log(`FAIL ${e.stack || e}`)
    process.exit(1)
  }
)
