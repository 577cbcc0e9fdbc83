export declare const SOAK_FIRST_SEED = 1;
export declare const SOAK_SEEDS = 1000;
export declare const SOAK_STEPS = 200;
