// The seed range `npm test` soaks, shared by sim.test.ts and mutations.test.ts (which must catch
// every mutation within these same seeds).

export const SOAK_FIRST_SEED = 1;
export const SOAK_SEEDS = 1000;
export const SOAK_STEPS = 200;
