/**
 * A reason the server cannot start that the user can fix: main.ts prints its
 * message as one line and exits 1, without a stack trace (the trace points
 * into Gatehouse, the fix is in the user's environment).
 */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** `listen` failures a user can act on, named by the variable that chose the address. */
export function listenError(variable: string, address: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new StartupError(`${variable}: ${address} is already in use; set ${variable} to a free port (0 picks one)`, { cause: error });
  }
  if (code === 'EACCES') {
    return new StartupError(`${variable}: not allowed to listen on ${address} (ports below 1024 need privileges); choose a port above 1023`, { cause: error });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new StartupError(`${variable}: cannot listen on ${address} (${code}): the host is not an address of this machine`, { cause: error });
  }
  return error;
}
