"use client";
import { inputClass, labelClass } from "../PromptFields";

export const OTHER_FOLDER = "__folder__";
export type ModelOption = { value: string; label: string };

/**
 * One model row of the launch form: the server's default (served or committed), the registry's
 * versions of the role, finished runs, or any model folder on the server typed in.
 */
export function ModelSelect(props: {
  id: string;
  label: string;
  defaultLabel: string;
  options: readonly ModelOption[];
  value: string;
  folder: string;
  onChange: (value: string, folder: string) => void;
  error?: string;
}) {
  const { id, value, folder } = props;
  return (
    <div>
      <label htmlFor={id} className={labelClass}>{props.label}</label>
      <select id={id} value={value} onChange={(e) => props.onChange(e.target.value, folder)} className={inputClass} aria-invalid={!!props.error}>
        <option value="">{props.defaultLabel}</option>
        {props.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        <option value={OTHER_FOLDER}>Other folder…</option>
      </select>
      {value === OTHER_FOLDER && (
        <input aria-label={`${props.label} folder`} value={folder} onChange={(e) => props.onChange(value, e.target.value)} placeholder="a model folder with manifest.json" className={inputClass} />
      )}
      {props.error && <p className="mt-1 text-xs text-red-700" role="alert">{props.label} {props.error}</p>}
    </div>
  );
}

/** What the form sends for a row: nothing (the server's default), a version id, or a folder. */
export function modelChoice(value: string, folder: string): string | undefined {
  if (value === OTHER_FOLDER) return folder.trim() || undefined;
  return value || undefined;
}
