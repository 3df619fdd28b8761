/** Base class of every craic error; match on `code`, never on the message. */
export declare class CraicError extends Error {
  /** Stable machine-readable code, e.g. `CRAIC_UNKNOWN_ITEM`. */
  code: string
  /** The core's snake_case kind, e.g. `unknown_item`. */
  kind: string
  /** For a rejected batch, the zero-based index of the first bad row; else `null`. */
  row: number | null
}
/** Bad input: an id, weight, timestamp, `k`, item, configuration or experiment. */
export declare class InvalidInputError extends CraicError {}
/** The caller named something that does not exist (an item, experiment or variant). */
export declare class NotFoundError extends CraicError {}
/** Snapshot bytes that are foreign, truncated, corrupt or from a newer format. */
export declare class SnapshotError extends CraicError {}
/** A file or storage backend failed. */
export declare class StorageError extends CraicError {}
/** A retrain was asked for while one runs. */
export declare class RetrainRunningError extends CraicError {}
/** The service or one of its jobs has stopped. */
export declare class StoppedError extends CraicError {}
/** A write panicked part-way (a bug); the engine refuses work until it is replaced. */
export declare class PoisonedError extends CraicError {}
