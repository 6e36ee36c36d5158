//! `execute_many`: bulk loads with conversion and execution overlapped.
//!
//! Reading Python dicts needs the GIL; running the core does not. For
//! batches larger than one chunk a worker thread holds the engine and
//! executes chunk *k* while this thread converts chunk *k + 1* (and turns
//! the events of earlier chunks into dicts), so on two cores a bulk load
//! costs about the larger of the two instead of their sum. Commands still
//! run one at a time, in order, each atomically; the first failure stops
//! the batch. Conversion may read up to two chunks past a failing command
//! (those items are never executed).

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use oms_core::{Engine, Event, OmsError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyDictMethods, PyList};

use crate::engine::Options;
use crate::errors::{poisoned, to_py_err};
use crate::pyser::{field_name, to_py};

/// Commands converted per round trip between the two threads.
pub(crate) const CHUNK: usize = 1024;

type Timed = (Options, DateTime<Utc>);

/// What running one chunk produced.
struct Ran {
    events: Vec<Event>,
    /// The absolute index of the failing command, and why.
    failed: Option<(usize, OmsError)>,
}

fn run_chunk(engine: &mut Engine, start: usize, chunk: Vec<Timed>, keep: bool) -> Ran {
    let mut events = Vec::with_capacity(if keep { chunk.len() * 3 } else { 0 });
    for (k, ((command, options), at)) in chunk.into_iter().enumerate() {
        let ran = match options {
            None => engine.execute(command, at),
            Some(o) => engine.execute_with(command, &o, at),
        };
        match ran {
            Ok(e) if keep => events.extend(e),
            Ok(_) => {}
            Err(e) => {
                return Ran {
                    events,
                    failed: Some((start + k, e)),
                }
            }
        }
    }
    Ran {
        events,
        failed: None,
    }
}

/// Reads `(command, at)` pairs a chunk at a time, stopping at the first bad one.
pub(crate) struct Reader<'py, F> {
    items: Bound<'py, pyo3::types::PyIterator>,
    convert: F,
    next: usize,
    /// The first item that could not be read, with its index.
    bad: Option<(usize, PyErr)>,
}

impl<'py, F> Reader<'py, F>
where
    F: FnMut(&Bound<'py, PyAny>, usize) -> PyResult<Timed>,
{
    pub(crate) fn new(items: Bound<'py, pyo3::types::PyIterator>, convert: F) -> Self {
        Reader {
            items,
            convert,
            next: 0,
            bad: None,
        }
    }

    /// The next chunk and the index of its first command; empty when done.
    fn chunk(&mut self) -> (usize, Vec<Timed>) {
        let start = self.next;
        let mut chunk = Vec::new();
        if self.bad.is_some() {
            return (start, chunk);
        }
        chunk.reserve(CHUNK);
        while chunk.len() < CHUNK {
            let Some(item) = self.items.next() else { break };
            match item.and_then(|i| (self.convert)(&i, self.next)) {
                Ok(pair) => {
                    chunk.push(pair);
                    self.next += 1;
                }
                Err(e) => {
                    self.bad = Some((self.next, e));
                    break;
                }
            }
        }
        (start, chunk)
    }
}

/// Collects results in order and remembers the first failure.
struct Collector<'py, 'a> {
    py: Python<'py>,
    out: &'a Bound<'py, PyList>,
    failure: Option<(usize, OmsError)>,
}

impl Collector<'_, '_> {
    fn take(&mut self, ran: Ran) -> PyResult<()> {
        events_to_py(self.py, &ran.events, self.out)?;
        if self.failure.is_none() {
            self.failure = ran.failed;
        }
        Ok(())
    }
}

/// Runs every pair the reader yields; returns the events (if `keep`) or
/// the first failure marked with its `index` and the events before it.
pub(crate) fn execute_many<'py, F>(
    py: Python<'py>,
    engine: &Mutex<Engine>,
    mut reader: Reader<'py, F>,
    keep: bool,
) -> PyResult<Bound<'py, PyList>>
where
    F: FnMut(&Bound<'py, PyAny>, usize) -> PyResult<Timed>,
{
    let out = PyList::empty(py);
    let mut collect = Collector {
        py,
        out: &out,
        failure: None,
    };
    let (start, first) = reader.chunk();
    if first.len() < CHUNK {
        // One chunk: no thread needed.
        let ran = py
            .detach(move || {
                engine
                    .lock()
                    .map(|mut e| run_chunk(&mut e, start, first, keep))
                    .map_err(|_| ())
            })
            .map_err(|()| poisoned())?;
        collect.take(ran)?;
    } else {
        pipeline(py, engine, &mut reader, (start, first), keep, &mut collect)?;
    }
    if let Some((index, e)) = collect.failure.take() {
        let err = to_py_err(py, &e, Some(&format!("commands[{index}]")));
        return Err(failed_at(py, err, index, &out));
    }
    if let Some((index, e)) = reader.bad.take() {
        return Err(failed_at(py, e, index, &out));
    }
    Ok(out)
}

fn pipeline<'py, F>(
    py: Python<'py>,
    engine: &Mutex<Engine>,
    reader: &mut Reader<'py, F>,
    first: (usize, Vec<Timed>),
    keep: bool,
    collect: &mut Collector<'py, '_>,
) -> PyResult<()>
where
    F: FnMut(&Bound<'py, PyAny>, usize) -> PyResult<Timed>,
{
    std::thread::scope(|scope| {
        let (to_core, chunks) = sync_channel::<(usize, Vec<Timed>)>(1);
        let (to_host, results) = sync_channel::<Ran>(2);
        scope.spawn(move || {
            // A poisoned lock: stop; the host sees the poison after the scope.
            let Ok(mut e) = engine.lock() else { return };
            for (start, chunk) in chunks {
                let ran = run_chunk(&mut e, start, chunk, keep);
                let stop = ran.failed.is_some();
                if to_host.send(ran).is_err() || stop {
                    return;
                }
            }
        });

        let mut results: Option<Receiver<Ran>> = Some(results);
        let mut next = Some(first);
        let outcome = (|| -> PyResult<()> {
            while let Some(chunk) = next.take() {
                let sender = &to_core;
                if py.detach(move || sender.send(chunk)).is_err() {
                    break; // the worker stopped at a failure
                }
                if let Some(rx) = &results {
                    while let Ok(ran) = rx.try_recv() {
                        collect.take(ran)?;
                    }
                }
                if collect.failure.is_some() {
                    break;
                }
                let (start, chunk) = reader.chunk();
                if !chunk.is_empty() {
                    next = Some((start, chunk));
                }
            }
            Ok(())
        })();
        drop(to_core);
        // Wait for the chunks in flight, without holding the GIL.
        while let Some(rx) = results.take() {
            let (ran, rx) = py.detach(move || (rx.recv(), rx));
            match ran {
                Ok(ran) => {
                    collect.take(ran)?;
                    results = Some(rx);
                }
                Err(_) => break,
            }
        }
        outcome
    })?;
    if engine.is_poisoned() {
        return Err(poisoned());
    }
    Ok(())
}

/// Appends events to `into` as dicts.
pub(crate) fn events_to_py<'py>(
    py: Python<'py>,
    events: &[Event],
    into: &Bound<'py, PyList>,
) -> PyResult<()> {
    // The shape of `to_py(event)`, built faster: the events of one
    // command share their `at` (converted once), and the kind's fields go
    // through the cached field names rather than serde's `flatten`.
    let mut at: Option<(DateTime<Utc>, Bound<'py, PyAny>)> = None;
    for e in events {
        let dict = PyDict::new(py);
        dict.set_item(field_name(py, "schema_version"), e.schema_version)?;
        let when = match &at {
            Some((t, s)) if *t == e.at => s.clone(),
            _ => {
                let s = to_py(py, &e.at)?;
                at = Some((e.at, s.clone()));
                s
            }
        };
        dict.set_item(field_name(py, "at"), when)?;
        if let Some(i) = &e.idempotency {
            dict.set_item(field_name(py, "idempotency"), to_py(py, i)?)?;
        }
        let kind = to_py(py, &e.kind)?;
        // A dict's mapping view: casting to `PyMapping` would run an ABC isinstance check.
        dict.update(kind.cast::<PyDict>()?.as_mapping())?;
        into.append(dict)?;
    }
    Ok(())
}

/// Marks an `execute_many` failure with the failing index and the events
/// recorded before it (those commands stay applied).
pub(crate) fn failed_at(
    py: Python<'_>,
    err: PyErr,
    index: usize,
    events: &Bound<'_, PyList>,
) -> PyErr {
    let value = err.value(py);
    // Built-in exceptions accept new attributes; if one ever does not, the message still says where.
    let _ = value.setattr("index", index);
    let _ = value.setattr("events", events);
    err
}
