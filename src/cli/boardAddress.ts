/**
 * Where the staff board answers, from the same settings the server reads (PUBLIC_URL, else HOST
 * and PORT, from the environment and `.env`), so a link printed by `sportello staff invite` opens
 * the board the server really serves; and whether anything answers there.
 */
import { loadConfig } from "../config/env.js";

/** The board's base URL as the server computes its own (a wildcard HOST is reached on 127.0.0.1). */
export function boardBaseUrl(env: Record<string, string | undefined>): string {
  let http: { publicUrl?: string; host: string; port: number };
  try {
    http = loadConfig(env).http;
  } catch {
    // Another setting is wrong (the server would not start either): the address settings alone.
    http = {
      ...(env.PUBLIC_URL?.trim() ? { publicUrl: env.PUBLIC_URL.trim() } : {}),
      host: env.HOST?.trim() || "127.0.0.1",
      port: Number(env.PORT?.trim() || 3000),
    };
  }
  if (http.publicUrl) return http.publicUrl.replace(/\/+$/, "");
  const host = ["0.0.0.0", "::", "[::]", ""].includes(http.host)
    ? "127.0.0.1"
    : http.host.includes(":") && !http.host.startsWith("[")
      ? `[${http.host}]`
      : http.host;
  return `http://${host}:${http.port}`;
}

/** Whether a sportello answers `/health` at `baseUrl` (any HTTP answer counts) within `timeoutMs`. */
export async function answersAt(baseUrl: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
