'use strict'
// The error classes of craic, one per family of error kinds (the same families as the Python
// exceptions). Every error craic throws or rejects with is an instance of one of them, with a
// stable `code` (`CRAIC_UNKNOWN_ITEM`, …), the core's `kind` (`unknown_item`, …) and `row` (the
// index of the bad row of a batch, else `null`). Match on `code`, never on the message.

/** Base class of every craic error. */
class CraicError extends Error {
  constructor (message) {
    super(message)
    this.name = new.target.name
    this.code = 'CRAIC_ERROR'
    this.kind = 'error'
    this.row = null
  }
}

/** Bad input: an id, weight, timestamp, `k`, item, configuration or experiment. */
class InvalidInputError extends CraicError {}
/** The caller named something that does not exist (an item, experiment or variant). */
class NotFoundError extends CraicError {}
/** Snapshot bytes that are foreign, truncated, corrupt or from a newer format. */
class SnapshotError extends CraicError {}
/** A file or storage backend failed. */
class StorageError extends CraicError {}
/** A retrain was asked for while one runs. */
class RetrainRunningError extends CraicError {}
/** The service or one of its jobs has stopped. */
class StoppedError extends CraicError {}
/**
 * The engine's state cannot be trusted (a bug): `CRAIC_POISONED`, a write panicked part-way and the
 * engine refuses work until it is replaced; `CRAIC_INCONSISTENT_MODEL`, verifyNeighbours found the
 * incremental state out of step with a full recompute.
 */
class PoisonedError extends CraicError {}

module.exports = {
  CraicError,
  InvalidInputError,
  NotFoundError,
  SnapshotError,
  StorageError,
  RetrainRunningError,
  StoppedError,
  PoisonedError
}
