export { TlsFileError, certificateNames, loadTlsMaterial, nameAllowed } from './tls-files.js';
export type { TlsFilePaths, TlsMaterial } from './tls-files.js';
export { TlsReloader } from './tls-reloader.js';
export type { TlsReloaderLogger, TlsReloaderOptions } from './tls-reloader.js';
