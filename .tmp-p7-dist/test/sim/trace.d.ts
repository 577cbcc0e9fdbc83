export declare class Trace {
    readonly capacity: number;
    private readonly buf;
    private next;
    private total;
    constructor(capacity?: number);
    add(time: number, text: string): void;
    /** Events recorded over the run (including those that fell out of the buffer). */
    get count(): number;
    /** The retained events, oldest first. */
    lines(): string[];
    format(): string;
}
