import { barValue, type ProgressView } from './mergeProgress.ts';
import { formatCount, formatRate, formatTimeLeft } from './formatProgress.ts';

interface Props {
  view: ProgressView;
  /** What is progressing, for the bar's accessible name, e.g. "Import progress". */
  label: string;
}

/** The bar and its figures: rows done / total, rows per second, time left. */
export function ProgressBar({ view, label }: Props) {
  const value = barValue(view);
  const rows =
    view.totalRows !== null
      ? `${formatCount(view.processedRows)} of ${formatCount(view.totalRows)} rows`
      : view.processedRows > 0
        ? `${formatCount(view.processedRows)} rows done (counting the total)`
        : 'no rows done yet';
  const rate = formatRate(view.rowsPerSecond);
  const timeLeft = formatTimeLeft(view.etaSeconds);
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-valuetext={`${value}%, ${rows}`}
      >
        <div className="progress-fill" style={{ width: `${value}%` }} />
      </div>
      <p className="progress-figures">
        <span className="progress-percent">{value}%</span>
        <span>{rows}</span>
        {rate && <span>{rate}</span>}
        {timeLeft && <span>{timeLeft}</span>}
      </p>
    </div>
  );
}
