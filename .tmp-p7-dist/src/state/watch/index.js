export { WatchHub, DEFAULT_MAX_WATCHERS, DEFAULT_CATCH_UP_CHUNK_EVENTS, } from './watch-hub.js';
//# sourceMappingURL=index.js.map