/** Types of bundle.mjs (plain JavaScript so hardenlab.mjs can load it before any compiler). */
export declare const ROOT: string;
export declare const OUT_DIR: string;
export declare const MANIFEST: string;
export declare function currentBundle(): string | null;
export declare function buildBundle(): Promise<string>;
export declare function freshBundle(): Promise<string | null>;
