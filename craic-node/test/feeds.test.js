'use strict'
// The feed importers and de-duplication from Node, on the fixture pages of testdata/feeds/:
// the same results as craic-py/tests/test_feeds.py (items, removals, rejections with JSON
// paths, genre and zone options, bad pages, merges with explanations, the alias table).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const craic = require('..')

const FEEDS = path.join(__dirname, '..', '..', 'testdata', 'feeds')
const TM = fs.readFileSync(path.join(FEEDS, 'ticketmaster-events.json'))
const EB = fs.readFileSync(path.join(FEEDS, 'eventbrite-events.json'))
const TM_LANKUM = 'tm:G5vYZ9nqXrO0A'
const EB_LANKUM = 'eb:801234567891'

test('a Ticketmaster page from a Buffer', () => {
  const report = craic.importTicketmaster(TM)
  assert.equal(report.seen, 15)
  assert.equal(report.events.length, 8)
  const lankum = report.events[0]
  assert.equal(lankum.name, 'Lankum')
  assert.equal(lankum.status, 'scheduled')
  const { endsAt, ...item } = lankum.item
  assert.equal(endsAt ?? null, null)
  assert.deepEqual(item, {
    id: TM_LANKUM,
    startsAt: 1_796_500_800,
    city: 'Dublin',
    venue: 'Vicar Street',
    genres: ['folk', 'trad'],
    artists: ['Lankum'],
    tags: []
  })
  const dara = report.events[2].item
  assert.deepEqual([dara.startsAt, dara.tags], [1_799_971_200, ['time-tba']])
  assert.deepEqual(dara.artists, ['Dara Ó Briain'])
  assert.deepEqual(report.items, report.events.map((e) => e.item))
  assert.deepEqual(report.removedIds, ['tm:G5vYZ9Cancel', 'tm:G5vYZ9Postpo'])
  assert.deepEqual(report.removed.map((r) => r.status), ['cancelled', 'postponed'])
  assert.deepEqual(report.rescheduledIds, ['tm:G5vYZ9Villag'])
  assert.deepEqual(report.rejected.map((p) => [p.id, p.path, p.kind]), [
    ['tm:G5vYZ9TBA000', '$._embedded.events[8].dates.start', 'date_to_be_announced'],
    ['tm:G5vYZ9NoStrt', '$._embedded.events[9].dates.start', 'missing'],
    ['tm:G5vYZ9Broken', '$._embedded.events[10].dates.start.dateTime', 'bad_datetime'],
    ['tm:G5vYZ9Ktm000', '$._embedded.events[11].dates.timezone', 'unknown_timezone'],
    [null, '$._embedded.events[14].id', 'missing']
  ])
  assert.equal(report.rejected[3].index, 11)
  assert.equal(report.rejected[3].message,
    '$._embedded.events[11].dates.timezone: unknown time zone "Asia/Kathmandu"')
  assert.deepEqual(report.warnings.map((w) => [w.path, w.kind]), [
    ['$._embedded.events[12].dates.end', 'end_before_start']
  ])
  assert.deepEqual(report.unmappedGenres, { 'Sea Shanties': 1 })
})

test('an Eventbrite page from a Buffer and from a string', () => {
  const fromBuffer = craic.importEventbrite(EB)
  const fromString = craic.importEventbrite(EB.toString('utf8'))
  assert.deepEqual(fromBuffer, fromString)
  assert.equal(fromBuffer.seen, 12)
  const queens = fromBuffer.events[2]
  assert.equal(queens.name, 'Céilí in Queens')
  // No utc field: 20:00 in New York on the day daylight time starts is 00:00 UTC next day.
  assert.equal(queens.item.startsAt, 1_773_014_400)
  assert.deepEqual(fromBuffer.removedIds, ['eb:801234567894'])
  assert.deepEqual(fromBuffer.rejected.map((p) => [p.path, p.kind]), [
    ['$.events[6].start', 'missing'],
    ['$.events[7].start.timezone', 'unknown_timezone'],
    ['$.events[11].start.utc', 'wrong_type']
  ])
})

test('genre and zone options', () => {
  assert.deepEqual(craic.defaultGenreMap()['hip hop rap'], ['hiphop'])
  const report = craic.importTicketmaster(TM, {
    genres: { 'Sea Shanties': ['folk', 'trad'] },
    zones: { 'Asia/Kathmandu': 5 * 3600 + 45 * 60 }
  })
  const byId = Object.fromEntries(report.events.map((e) => [e.item.id, e.item]))
  assert.deepEqual(byId['tm:G5vYZ9Shanty'].genres, ['folk', 'trad'])
  assert.equal(byId['tm:G5vYZ9Ktm000'].startsAt, 1_793_362_500)
  assert.deepEqual(report.unmappedGenres, {})
  assert.throws(() => craic.importTicketmaster(TM, { zone: {} }),
    (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG' && /zone/.test(e.message))
  assert.throws(() => craic.importTicketmaster(TM, { zones: { 'Asia/Kathmandu': 20700.5 } }),
    (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG')
})

test('reports feed an engine', () => {
  const tm = craic.importTicketmaster(TM)
  const eb = craic.importEventbrite(EB)
  const engine = new craic.Engine()
  engine.upsertItems([...tm.items, ...eb.items])
  assert.equal(engine.stats().items, 16)
  const cancelled = `{"_embedded":{"events":[{"id":"G5vYZ9nqXrO0A",
    "dates":{"start":{"dateTime":"2026-12-05T20:00:00Z"},"status":{"code":"cancelled"}}}]}}`
  assert.equal(engine.removeItems(craic.importTicketmaster(cancelled).removedIds), 1)
})

test('bad pages throw InvalidInputError with code CRAIC_INVALID_FEED', () => {
  assert.throws(() => craic.importEventbrite('{"events": [{"id": "1"'), (e) =>
    e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_FEED' &&
    e.kind === 'invalid_feed' && e.row === null && /not valid JSON/.test(e.message))
  assert.throws(() => craic.importEventbrite(Buffer.from('{"events": 3}')), (e) =>
    e instanceof craic.InvalidInputError && /\$\.events: expected an array/.test(e.message))
  assert.throws(() => craic.importTicketmaster(42))
  const codes = craic.errorCodes().filter((c) => c.kind.startsWith('invalid_feed') || c.kind === 'invalid_alias_table')
  assert.deepEqual(codes.map((c) => [c.code, c.className]), [
    ['CRAIC_INVALID_FEED', 'InvalidInputError'],
    ['CRAIC_INVALID_ALIAS_TABLE', 'InvalidInputError']
  ])
})

function listings () {
  return [...craic.importTicketmaster(TM).events, ...craic.importEventbrite(EB).events]
}

test('deduplicate merges and explains', () => {
  const all = listings()
  const dedup = craic.deduplicate(all)
  assert.equal(dedup.items.length, 14)
  assert.deepEqual(dedup.groups.map((g) => [g.canonical, g.members]), [
    ['tm:G5vYZ9FDC3Ar', ['tm:G5vYZ9FDC3Ar', 'eb:801234567892']],
    [TM_LANKUM, [TM_LANKUM, EB_LANKUM]]
  ])
  const why = dedup.groups[1].explanations[0]
  assert.deepEqual([why.a, why.b, why.venue, why.sameCity], [EB_LANKUM, TM_LANKUM, 1.0, true])
  assert.deepEqual([why.startDeltaSecs, why.name, why.artists, why.failed], [3600, 1.0, 1.0, []])
  assert.equal(why.isMatch, true)
  const byId = Object.fromEntries(all.map((e) => [e.item.id, e]))
  const near = craic.explain(byId['tm:G5vYZ9Shanty'], byId['eb:801234567896'])
  assert.deepEqual(near.failed, ['name'])
  assert.equal(near.isMatch, false)
  const loose = craic.explain(byId['tm:G5vYZ9Shanty'], byId['eb:801234567896'], { minName: 0.4, minScore: 0.6 })
  assert.equal(loose.isMatch, true)
  assert.equal(craic.deduplicate(all, { minName: 0.4, minScore: 0.6 }).items.length, 13)
  assert.throws(() => craic.deduplicate(all, { minNames: 0.4 }),
    (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_CONFIG' && /minNames/.test(e.message))
  assert.throws(() => craic.deduplicate(all, { windowSecs: 1.5 }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  assert.throws(() => craic.deduplicate(all, { weights: [1, 2] }), (e) => e.code === 'CRAIC_INVALID_CONFIG')
  const bad = { ...all[0], item: { ...all[0].item, startsAt: 1.5 } }
  assert.throws(() => craic.deduplicate([all[1], bad]), (e) => e.code === 'CRAIC_INVALID_TIMESTAMP' && e.row === 1)
})

test('aliases and split keep every interaction', async () => {
  const all = listings()
  const dedup = craic.deduplicate(all)
  assert.ok(dedup.aliases instanceof craic.AliasTable)
  const log = [
    { userId: 'ana', itemId: EB_LANKUM, kind: 'save', timestamp: 1_790_000_000 },
    { userId: 'ben', itemId: TM_LANKUM, kind: 'save', timestamp: 1_790_000_100 }
  ]
  assert.deepEqual(dedup.aliases.rewriteAll(log).map((i) => i.itemId), [TM_LANKUM, TM_LANKUM])
  assert.equal(dedup.aliases.rewrite(log[0]).itemId, TM_LANKUM)
  const aliases = craic.AliasTable.fromJson(dedup.aliases.toJson())
  assert.deepEqual(aliases.groups(), dedup.aliases.groups())
  assert.equal(aliases.length, 2)
  assert.equal(aliases.canonical(EB_LANKUM), TM_LANKUM)
  assert.deepEqual(aliases.aliases(TM_LANKUM), [EB_LANKUM])
  const split = aliases.split(EB_LANKUM)
  assert.deepEqual(split, { detached: EB_LANKUM, canonical: null, remaining: [TM_LANKUM] })
  assert.equal(aliases.keptApart(TM_LANKUM, EB_LANKUM), true)
  assert.equal(aliases.split('nope'), null)
  const again = craic.deduplicate(all, { known: aliases })
  assert.equal(again.items.length, 15)
  const engine = await craic.Engine.build(again.items, again.aliases.rewriteAll(log))
  assert.equal(engine.stats().interactions, 2)
  assert.deepEqual(again.aliases.rewriteAll(log).map((i) => i.itemId), [EB_LANKUM, TM_LANKUM])
  assert.throws(() => craic.AliasTable.fromJson('not json'),
    (e) => e instanceof craic.InvalidInputError && e.code === 'CRAIC_INVALID_ALIAS_TABLE')
  assert.throws(() => dedup.aliases.rewriteAll([{ ...log[0], timestamp: 1.5 }]),
    (e) => e.code === 'CRAIC_INVALID_TIMESTAMP' && e.row === 0)
  const manual = new craic.AliasTable()
  manual.merge('tm:1', ['eb:9'])
  assert.equal(manual.canonical('eb:9'), 'tm:1')
  assert.equal(manual.length, 1)
})
