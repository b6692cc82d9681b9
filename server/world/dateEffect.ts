/**
 * Date effects on log-KPI (SPEC §3.1: trend, season, weekday): a per-account yearly trend from
 * mid-2023, a category season (cosine around its peak day), a weekday profile and an evening
 * posting-hour bump. All in UTC, so results do not depend on the machine's time zone.
 */
export const TREND_ORIGIN = Date.UTC(2023, 6, 1);
const MS_PER_YEAR = 365.25 * 24 * 3600 * 1000;

/** Sunday..Saturday: weekends do best, Mondays worst. */
export const WEEKDAY_EFFECT = [0.08, -0.06, -0.03, 0, 0.02, 0.05, 0.1] as const;
export const HOUR_AMPLITUDE = 0.08;
export const PEAK_HOUR = 19;

export type DateEffect = { trend: number; season: number; weekday: number; hour: number; total: number };

export const yearsFromOrigin = (date: Date) => (date.getTime() - TREND_ORIGIN) / MS_PER_YEAR;

export function dayOfYear(date: Date): number {
  return Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

export function dateEffect(date: Date, growthPerYear: number, season: { peakDay: number; amplitude: number }): DateEffect {
  const trend = growthPerYear * yearsFromOrigin(date);
  const seasonal = season.amplitude * Math.cos((2 * Math.PI * (dayOfYear(date) - season.peakDay)) / 365.25);
  const weekday = WEEKDAY_EFFECT[date.getUTCDay()]!;
  const hourOfDay = date.getUTCHours() + date.getUTCMinutes() / 60;
  const hour = HOUR_AMPLITUDE * Math.cos((2 * Math.PI * (hourOfDay - PEAK_HOUR)) / 24);
  return { trend, season: seasonal, weekday, hour, total: trend + seasonal + weekday + hour };
}
