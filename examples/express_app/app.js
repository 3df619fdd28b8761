'use strict'
// An Express app embedding craic: recommendations (with A/B experiment assignment and exposure
// logging), interaction ingest, gated retraining and Prometheus metrics, all served from one
// in-process craic Service. Run it with `npm start` (server.js); `createApp(service, options)`
// builds the app around your own service.
const express = require('express')
const craic = require('craic')

const DAY = 86_400

/** The demo app's experiment: half the users get popularity, half hybrid. */
const DEMO_EXPERIMENT = new craic.Experiment('feed', [
  { name: 'control', weight: 0.5, strategy: 'popularity' },
  { name: 'hybrid', weight: 0.5, strategy: 'hybrid' }
])

/** HTTP status of each craic error class; any other craic error is a 500. */
const ERROR_STATUS = [
  [craic.NotFoundError, 404],
  [craic.InvalidInputError, 422],
  [craic.RetrainRunningError, 409]
]

/**
 * The snapshot file named by $CRAIC_SNAPSHOT, else a service over a synthetic city whose history
 * ends now (so its events are upcoming).
 */
async function demoService () {
  if (process.env.CRAIC_SNAPSHOT) return craic.Service.fromSnapshotFile(process.env.CRAIC_SNAPSHOT)
  const { days } = craic.presetConfig('tiny')
  const data = await craic.generate('tiny', { start: Math.floor(Date.now() / 1000) - days * DAY })
  return craic.Service.build(data.items(), data.interactions(), { preferences: data.preferences() })
}

/** An optional whole number from a query string, or undefined. */
function intParam (value) {
  return value === undefined ? undefined : Number(value)
}

/**
 * The app around `service`. With `options.experiment` (registered here), recommendations go
 * through `recommendInExperiment`: users are assigned a variant, served its strategy, and
 * exposures and conversions are tracked.
 */
function createApp (service, { experiment } = {}) {
  if (experiment) service.registerExperiment(experiment)
  const key = experiment ? experiment.key : null
  const app = express()
  app.use(express.json({ limit: '10mb' }))

  app.get('/recommendations/:userId', (req, res) => {
    const options = {
      k: intParam(req.query.k) ?? 10,
      explain: req.query.explain === 'true'
    }
    if (req.query.city) options.city = req.query.city
    if (req.query.now) options.now = intParam(req.query.now)
    let recommendations
    let variant = null
    if (key === null) {
      recommendations = service.recommend(req.params.userId, options)
    } else {
      const served = service.recommendInExperiment(key, req.params.userId, options)
      recommendations = served.recommendations
      variant = served.variant
    }
    res.json({ userId: req.params.userId, experiment: key, variant, recommendations })
  })

  app.post('/interactions', async (req, res) => {
    if (!Array.isArray(req.body)) {
      res.status(422).json({ code: 'BAD_BODY', message: 'expected a JSON array of interactions' })
      return
    }
    await service.record(req.body)
    res.json({ recorded: req.body.length })
  })

  app.post('/retrain', async (req, res) => {
    if (req.query.wait === 'false') {
      service.retrain().catch(() => {}) // the outcome lands in retrainHistory() and /metrics
      res.status(202).json({ started: true })
      return
    }
    res.json(await service.retrain())
  })

  app.get('/metrics', (req, res) => {
    res.type('text/plain; version=0.0.4; charset=utf-8').send(service.metricsText())
  })

  // Every craic error as {code, message} with the status its class maps to.
  app.use((err, req, res, next) => {
    if (!(err instanceof craic.CraicError)) return next(err)
    const status = ERROR_STATUS.find(([cls]) => err instanceof cls)?.[1] ?? 500
    res.status(status).json({ code: err.code, message: err.message, row: err.row })
  })
  return app
}

module.exports = { createApp, demoService, DEMO_EXPERIMENT }
