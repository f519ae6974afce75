// Log-pattern watching for the service health loop: one `scanLog` per tick, with
// the read position and the count window carried in a small JSON cursor.
export type * from './types';
export { emptyLogCursor, scanLog } from './watch';
export { DEFAULTS as LOG_WATCH_DEFAULTS, validateLogWatch } from './validate';
export { MAX_WINDOW_ENTRIES } from './window';
