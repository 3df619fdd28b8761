'use strict'
// Starts the example on $PORT (default 3000) over the demo service.
const { createApp, demoService, DEMO_EXPERIMENT } = require('./app')

async function main () {
  const service = await demoService()
  const port = Number(process.env.PORT ?? 3000)
  createApp(service, { experiment: DEMO_EXPERIMENT }).listen(port, '127.0.0.1', () => {
    console.log(`craic example listening on http://127.0.0.1:${port}`)
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
