// Log-pattern watching for the service health loop: one `scanLog` per tick, with
// the read position and the count window carried in a small JSON cursor.
export type * from '../../core/logwatch/types';
export { emptyLogCursor, scanLog } from './watch';
export { DEFAULTS as LOG_WATCH_DEFAULTS, validateLogWatch } from '../../core/logwatch/validate';
export { MAX_WINDOW_ENTRIES } from '../../core/logwatch/window';
