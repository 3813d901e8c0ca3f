/**
 * `/staff close` in the terminal chat: parsing its arguments (hourly minutes, or a package with
 * travel) and describing the charge shown before `/staff confirm`.
 */
import type { ChargeView, PackageBilling } from "../desk/port.js";

/**
 * `/staff close` arguments: MINUTES, then optional package=KEY km=N overnight=N days=N, then the
 * resolution. Null when the minutes or a count is not a whole number, or travel comes without a package.
 */
export function parseCloseArgs(
  words: string[],
): { minutes: number; resolution: string; billing?: PackageBilling } | null {
  const [first, ...rest] = words;
  if (!first || !/^\d+$/.test(first)) return null;
  const billing: PackageBilling = { package: "" };
  let i = 0;
  for (; i < rest.length; i++) {
    const m = /^(package|km|overnight|days)=(\S+)$/.exec(rest[i] ?? "");
    if (!m) break;
    const [, name, value = ""] = m;
    if (name === "package") billing.package = value;
    else {
      if (!/^\d+$/.test(value)) return null;
      if (name === "km") billing.km = Number(value);
      else if (name === "overnight") billing.daysOvernight = Number(value);
      else billing.days = Number(value);
    }
  }
  const resolution = rest.slice(i).join(" ") || "-";
  if (billing.package === "") {
    const travel =
      billing.km !== undefined || billing.daysOvernight !== undefined || billing.days !== undefined;
    return travel ? null : { minutes: Number(first), resolution };
  }
  return { minutes: Number(first), resolution, billing };
}

/** One line: what is billed, net + VAT = gross. */
export function describeCharge(charge: ChargeView): string {
  const money = (cents: number) => `${(cents / 100).toFixed(2)} ${charge.currency}`;
  const travel = (charge.lines ?? [])
    .filter((l) => l.item !== "package")
    .map((l) => ` + ${l.quantity} ${l.item}`)
    .join("");
  const what = charge.package
    ? `package ${charge.package}${travel}`
    : `${charge.billedMinutes} min billed${charge.covered && charge.plan ? ` beyond plan ${charge.plan}` : ""}`;
  return `${what}: ${money(charge.netCents)} + VAT ${money(charge.vatCents)} = ${money(charge.grossCents)}`;
}
