import { Command, Option } from 'commander';
export type FieldKind = 'string' | 'int' | 'bool' | 'cluster';
export interface FieldSpec {
    /** Path in the YAML document, e.g. ['limits', 'maxBodyBytes']. */
    readonly path: readonly string[];
    readonly kind: FieldKind;
    readonly description: string;
}
export declare const LOG_LEVELS: readonly ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export declare const CONFIG_FIELDS: readonly FieldSpec[];
/** `['limits','maxBodyBytes']` -> `RAFTLOCK_LIMITS_MAX_BODY_BYTES`. */
export declare function envNameFor(path: readonly string[]): string;
/** `['limits','maxBodyBytes']` -> `limits-max-body-bytes` (the flag is `--limits-max-body-bytes`). */
export declare function flagNameFor(path: readonly string[]): string;
/** Options that are not config fields but steer loading. */
export declare const META_OPTIONS: {
    readonly config: {
        readonly flag: 'config';
        readonly env: 'RAFTLOCK_CONFIG';
        readonly description: 'path of the YAML config file';
    };
    readonly k8sDiscovery: {
        readonly flag: 'k8s-discovery';
        readonly env: 'RAFTLOCK_K8S_DISCOVERY';
        readonly description: 'derive name and initial cluster from the StatefulSet environment (POD_NAME, RAFTLOCK_REPLICAS, RAFTLOCK_SERVICE, POD_NAMESPACE)';
    };
};
/** Commander option definitions for every config flag (use them in cmd/ for `--help`). */
export declare function configOptions(): Option[];
/** Adds every config option to a commander Command; returns the command. */
export declare function addConfigOptions(cmd: Command): Command;
export interface ParsedArgs {
    readonly configPath?: string;
    readonly k8sDiscovery?: boolean;
    /** Field values as given on the command line, keyed by dotted path. */
    readonly values: ReadonlyMap<string, string | boolean>;
}
/**
 * Parses user arguments (process.argv.slice(2)) with commander. Unknown options, missing values
 * and positional arguments are errors. `--help` is not handled here: cmd/ shows it.
 */
export declare function parseConfigArgs(argv: readonly string[]): ParsedArgs;
