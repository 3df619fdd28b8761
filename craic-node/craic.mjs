// ES module entry: the same objects as the CommonJS entry (`craic.js`). test/esm.test.mjs checks
// that every export of the CommonJS entry is listed here.
import { createRequire } from 'node:module'

const craic = createRequire(import.meta.url)('./craic.js')

export default craic
export const {
  CraicError,
  InvalidInputError,
  NotFoundError,
  SnapshotError,
  StorageError,
  RetrainRunningError,
  StoppedError,
  PoisonedError,
  Engine,
  Service,
  ScheduleHandle,
  Store,
  Experiment,
  ExperimentTracker,
  Dataset,
  AliasTable,
  hash,
  getEqualWeights,
  getBucketRanges,
  chooseVariation,
  inNamespace,
  timeSplit,
  relevantItems,
  evaluate,
  scoreUser,
  generate,
  presetConfig,
  worldConfig,
  importTicketmaster,
  importEventbrite,
  defaultGenreMap,
  deduplicate,
  explain,
  errorCodes
} = craic
