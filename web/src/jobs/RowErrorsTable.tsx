import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatCount } from '../progress/formatProgress.ts';
import { useRowErrors } from './useRowErrors.ts';

const ROW_HEIGHT_ESTIMATE = 40;
/** Fetch the next page when the user scrolls within this many rows of the end of what is loaded. */
const PREFETCH_ROWS = 30;

/**
 * Row errors in a virtualised table: only the rows in view are in the DOM (a job can have
 * millions), with spacer rows keeping the scroll height. Pages load as the user scrolls, or with
 * the Load more button (keyboard and screen-reader path).
 */
export function RowErrorsTable({ jobId }: { jobId: string }) {
  const { rows, totalCount, hasNextPage, loading, error, loadMore } = useRowErrors(jobId);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT_ESTIMATE,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasNextPage && rows.length > 0 && lastIndex >= rows.length - PREFETCH_ROWS) loadMore();
  }, [lastIndex, rows.length, hasNextPage, loadMore]);

  if (totalCount === 0) return <p className="ok">No row errors.</p>;

  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1].end : 0;
  return (
    <section className="row-errors" aria-labelledby="row-errors-title">
      <h2 id="row-errors-title">Row errors</h2>
      <p className="help">
        {totalCount === null
          ? 'Loading row errors…'
          : `Showing ${formatCount(rows.length)} of ${formatCount(totalCount)} row errors, in row order. Row 1 is the header.`}
      </p>
      <div className="table-scroll errors-scroll" ref={scrollRef} tabIndex={0} role="region" aria-label="Row errors, scrollable">
        <table aria-rowcount={totalCount === null ? undefined : totalCount + 1}>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">Row</th>
              <th scope="col">Column</th>
              <th scope="col">Code</th>
              <th scope="col">Message</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {paddingTop > 0 && <tr aria-hidden="true" style={{ height: paddingTop }} />}
            {items.map((item) => {
              const e = rows[item.index];
              return (
                <tr key={item.key} data-index={item.index} ref={virtualizer.measureElement} aria-rowindex={item.index + 2}>
                  <td>{e.row}</td>
                  <td>{e.column ?? ''}</td>
                  <td>
                    <code>{e.code}</code>
                  </td>
                  <td>{e.message}</td>
                  <td className="value">{e.value ?? ''}</td>
                </tr>
              );
            })}
            {paddingBottom > 0 && <tr aria-hidden="true" style={{ height: paddingBottom }} />}
          </tbody>
        </table>
      </div>
      {error && (
        <p className="error" role="alert">
          Row errors could not be loaded: {error}
        </p>
      )}
      {hasNextPage && rows.length > 0 && (
        <button type="button" className="secondary" onClick={loadMore} disabled={loading}>
          Load more row errors
        </button>
      )}
    </section>
  );
}
