// The slice of the global `Deno` namespace that deno.ts uses, typed here so the
// project's tsc (types: bun, node) can check deno.ts. Under Deno the real global
// is used at run time; this file has no runtime code.

export interface DenoFsFile {
  tryLockSync(exclusive?: boolean): boolean;
  unlockSync(): void;
  truncateSync(len?: number): void;
  writeSync(p: Uint8Array): number;
  close(): void;
}

export interface DenoHttpServer {
  shutdown(): Promise<void>;
}

export interface DenoApi {
  args: string[];
  pid: number;
  openSync(path: string, opts: { read?: boolean; write?: boolean; create?: boolean }): DenoFsFile;
  dlopen<S extends Record<string, { parameters: readonly string[]; result: string }>>(
    path: string,
    symbols: S,
  ): { symbols: Record<keyof S, (...args: any[]) => any> };
  UnsafePointerView: {
    new (pointer: object): { getInt32(offset?: number): number };
    getCString(pointer: object): string;
  };
  serve(
    opts: { hostname: string; port: number; onListen(addr: { hostname: string; port: number }): void },
    handler: (req: Request) => Response | Promise<Response>,
  ): DenoHttpServer;
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
}
