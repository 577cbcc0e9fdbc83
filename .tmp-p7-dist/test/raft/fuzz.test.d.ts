declare function runSeed(seed: number, steps: number, opts: {
    preVote: boolean;
    checkQuorum: boolean;
}): void;
export { runSeed };
