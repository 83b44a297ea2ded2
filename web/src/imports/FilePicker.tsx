import { useId, useState, type DragEvent } from 'react';

interface Props {
  file: File | null;
  onFile: (file: File) => void;
  disabled?: boolean;
}

/**
 * The `CSV file` input, and a drop zone around it. Native drag and drop: react-dropzone 20 needs
 * Node 22, and the input itself stays the keyboard and screen-reader path.
 */
export function FilePicker({ file, onFile, disabled }: Props) {
  const id = useId();
  const [over, setOver] = useState(false);

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const dropped = e.dataTransfer.files[0];
    if (dropped && !disabled) onFile(dropped);
  }

  return (
    <div
      className={`drop-zone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <label htmlFor={id}>CSV file</label>
      <input
        id={id}
        type="file"
        accept=".csv,text/csv"
        disabled={disabled}
        aria-describedby={`${id}-help`}
        onChange={(e) => {
          const chosen = e.target.files?.[0];
          if (chosen) onFile(chosen);
        }}
      />
      <p id={`${id}-help`} className="help">
        {file ? `Chosen: ${file.name} (${formatBytes(file.size)}). ` : ''}Drop a file here or choose one. UTF-8, comma-separated, the first row names the
        columns.
      </p>
    </div>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
