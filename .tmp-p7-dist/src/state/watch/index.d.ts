export { WatchHub, DEFAULT_MAX_WATCHERS, DEFAULT_CATCH_UP_CHUNK_EVENTS, type WatchSource, type WatchRequest, type WatchHandle, type WatchHubOptions, } from './watch-hub.js';
