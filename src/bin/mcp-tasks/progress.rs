//! How `mcp-tasks call` shows a running task: one redrawn line with a bar on a terminal,
//! a plain line per change otherwise (logs and pipes stay readable).

use std::io::{self, Write};

/// What is known about the task right now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shown {
    /// The task's status (`working`, `input_required`, …); `None` while a plain call (no
    /// task, so no status) runs.
    pub status: Option<String>,
    /// The latest status message, if any.
    pub message: Option<String>,
    /// Progress so far and the total, when the server reports them.
    pub progress: Option<(f64, Option<f64>)>,
}

/// Writes [`Shown`] states to stderr-like output, skipping repeats.
pub struct Display<W: Write> {
    out: W,
    terminal: bool,
    last: Option<String>,
}

const BAR_WIDTH: usize = 24;

impl<W: Write> Display<W> {
    /// `terminal` chooses the redrawn line over plain lines.
    pub fn new(out: W, terminal: bool) -> Self {
        Self { out, terminal, last: None }
    }

    /// Shows `state` unless it reads the same as the last one shown.
    pub fn show(&mut self, state: &Shown) -> io::Result<()> {
        let line = render(state, self.terminal);
        if self.last.as_deref() == Some(line.as_str()) {
            return Ok(());
        }
        if self.terminal {
            // Clear the rest of the previous, possibly longer, line.
            write!(self.out, "\r{line}\x1b[K")?;
        } else {
            writeln!(self.out, "{line}")?;
        }
        self.last = Some(line);
        self.out.flush()
    }

    /// Ends the redrawn line so later output starts on its own line.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.terminal && self.last.take().is_some() {
            writeln!(self.out)?;
        }
        self.out.flush()
    }

    /// Writes a line of its own (a notice), keeping the redrawn line intact.
    pub fn note(&mut self, text: &str) -> io::Result<()> {
        self.finish()?;
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }
}

/// What a plain call shows in place of a task status.
const RUNNING: &str = "running";

/// One line for `state`: status, a bar or a count when there is progress, the message.
pub fn render(state: &Shown, terminal: bool) -> String {
    let mut line = format!("[{}]", state.status.as_deref().unwrap_or(RUNNING));
    match state.progress {
        Some((done, Some(total))) if total > 0.0 => {
            let fraction = (done / total).clamp(0.0, 1.0);
            if terminal {
                // Rounding a clamped fraction of a small width cannot overflow.
                let filled = (fraction * BAR_WIDTH as f64).round() as usize;
                line.push_str(&format!(
                    " {}{}",
                    "#".repeat(filled),
                    ".".repeat(BAR_WIDTH - filled)
                ));
            }
            line.push_str(&format!(" {:>3.0}%", fraction * 100.0));
        }
        Some((done, _)) => line.push_str(&format!(" {done}")),
        None => {}
    }
    if let Some(message) = &state.message {
        line.push(' ');
        line.push_str(message);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(progress: Option<(f64, Option<f64>)>) -> Shown {
        Shown { status: Some("working".into()), message: Some("step 2".into()), progress }
    }

    #[test]
    fn a_terminal_gets_a_bar_and_a_pipe_gets_a_percentage() {
        let half = state(Some((5.0, Some(10.0))));
        assert_eq!(
            render(&half, true),
            format!("[working] {}{}  50% step 2", "#".repeat(12), ".".repeat(12))
        );
        assert_eq!(render(&half, false), "[working]  50% step 2");
        assert_eq!(render(&state(Some((3.0, None))), false), "[working] 3 step 2");
        assert_eq!(render(&state(None), false), "[working] step 2");
    }

    /// A plain call has progress but no task status: it reads as running, never `[]`.
    #[test]
    fn a_plain_call_with_progress_shows_that_it_runs() {
        let plain = Shown { status: None, message: None, progress: Some((1.0, Some(2.0))) };
        assert_eq!(render(&plain, false), "[running]  50%");
    }

    #[test]
    fn progress_past_the_total_is_shown_full_not_overflowing() {
        assert!(render(&state(Some((15.0, Some(10.0)))), true).contains(&"#".repeat(BAR_WIDTH)));
        assert!(render(&state(Some((1.0, Some(0.0)))), true).starts_with("[working] 1"));
    }

    #[test]
    fn repeats_are_skipped_and_plain_output_is_one_line_per_change() {
        let mut out = Vec::new();
        let mut display = Display::new(&mut out, false);
        display.show(&state(None)).unwrap();
        display.show(&state(None)).unwrap();
        display.show(&state(Some((1.0, Some(2.0))))).unwrap();
        display.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[working] step 2\n[working]  50% step 2\n");
    }

    #[test]
    fn a_terminal_line_is_redrawn_in_place_and_ended_once() {
        let mut out = Vec::new();
        let mut display = Display::new(&mut out, true);
        display.show(&state(None)).unwrap();
        display.note("asked for input").unwrap();
        display.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\r[working] step 2\x1b[K\nasked for input\n");
    }
}
