/**
 * RFC 4180 CSV output: a field is quoted when it holds a comma, a quote, a line break or
 * edge spaces, and quotes inside are doubled. Captions need this (SPEC §3.2 import format).
 */
export type CsvValue = string | number;

export function csvField(value: CsvValue): string {
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (values: readonly CsvValue[]) => `${values.map(csvField).join(",")}\n`;
