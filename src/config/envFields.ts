/** The zod field types the settings are made of (shared by the environment schema and its slices). */
import { z } from "zod";

export const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""])
  .optional()
  .transform((v) => v === "true" || v === "1" || v === "yes" || v === "on");
export const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));
export const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
  .pipe(z.url({ error: "expected a URL such as https://example.com" }).optional());
/** An http(s) URL, trailing slashes removed. */
export const optionalHttpUrl = optionalUrl
  .refine((v) => v === undefined || /^https?:\/\//i.test(v), { error: "expected an http:// or https:// URL" })
  .transform((v) => v?.replace(/\/+$/, ""));
export const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? fallback : Number(v)))
    .pipe(
      z
        .number({ error: "expected a number" })
        .int({ error: "expected a whole number" })
        .positive({ error: "expected a number > 0" }),
    );
