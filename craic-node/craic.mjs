// ES module entry: the same objects as the CommonJS entry (`craic.js`).
import { createRequire } from 'node:module'

const craic = createRequire(import.meta.url)('./craic.js')

export default craic
export const {
  Engine,
  CraicError,
  InvalidInputError,
  NotFoundError,
  SnapshotError,
  StorageError,
  RetrainRunningError,
  StoppedError
} = craic
