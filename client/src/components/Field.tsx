import type { ReactNode } from 'react';

/** A labelled input with its hint and, beside it, its error (from the form's checks or from the server). */
export function Field({
  label,
  field,
  errors,
  hint,
  children,
}: {
  label: string;
  field: string;
  errors: Partial<Record<string, string>>;
  hint?: ReactNode;
  children: ReactNode;
}) {
  const error = errors[field];
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in
    <label className={error ? 'field invalid' : 'field'} data-field={field}>
      <span className="field-label">{label}</span>
      {children}
      {error ? (
        <span className="field-error" role="alert" data-testid={`error-${field}`}>
          {error}
        </span>
      ) : hint ? (
        <span className="field-hint">{hint}</span>
      ) : null}
    </label>
  );
}
