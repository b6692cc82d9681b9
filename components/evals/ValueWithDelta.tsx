import { deltaTone, formatDelta, formatValue, TONE_CLASS, type Direction } from "./delta";

/**
 * One of our numbers, and under it the previous evaluation's value and the change, coloured by
 * whether the change is an improvement in this metric's direction.
 */
export function ValueWithDelta(props: { value: number | null | undefined; previous?: number | null; direction: Direction; digits: number; hasPrevious: boolean }) {
  const { value, previous, direction, digits, hasPrevious } = props;
  const tone = deltaTone(value, previous, direction);
  return (
    <div className="whitespace-nowrap">
      <span className="font-mono">{formatValue(value, digits)}</span>
      {hasPrevious && (
        <div className="text-[11px] leading-tight text-slate-400">
          prev {formatValue(previous, digits)}
          {tone && (
            <span className={`ml-1 font-medium ${TONE_CLASS[tone]}`} data-delta={tone}>
              {formatDelta(value!, previous!, digits)}
            </span>
          )}
        </div>
      )}
    </div>
  );
}
