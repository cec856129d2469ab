// Progress while `start --yes` waits: a spinner on a terminal (nanospinner), plain lines otherwise (CI
// logs), one line per change of state. Written to stderr, so --json output on stdout stays clean.

import { createSpinner } from "nanospinner";
import { redact } from "../lib/redact";

export interface Progress {
  update(text: string): void;
  done(text: string, ok: boolean): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function progressFor(stream: ProgressStream, label: string): Progress {
  if (stream.isTTY) {
    const spinner = createSpinner(label, { stream: stream as NodeJS.WriteStream }).start();
    return {
      update: (text) => spinner.update({ text: redact(`${label}: ${text}`) }),
      done: (text, ok) =>
        ok
          ? spinner.success({ text: redact(`${label}: ${text}`) })
          : spinner.error({ text: redact(`${label}: ${text}`) }),
    };
  }
  let last = "";
  return {
    update: (text) => {
      if (text === last) return;
      last = text;
      stream.write(`${redact(`${label}: ${text}`)}\n`);
    },
    done: (text, ok) => stream.write(`${redact(`${label}: ${ok ? "done" : "not done"}: ${text}`)}\n`),
  };
}
