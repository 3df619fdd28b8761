//! Columnar interactions converted into core values block by block: each block of rows is
//! converted in parallel, then handed over one at a time, so a build never holds more than one
//! block of converted rows besides its own compact copy.

use std::iter::Flatten;
use std::ops::Range;
use std::vec::IntoIter;

use craic_core as core;
use rayon::prelude::*;

use super::arrays::{Strs, Times};
use super::{ColumnError, Frame, INTERACTIONS};

/// Rows converted per block: the core's bulk loader reads 65 536 at a time.
const BLOCK: usize = 1 << 16;

/// Rows converted by one task of a block.
const TASK: usize = 1 << 12;

/// The interaction columns of one batch.
struct View<'f> {
    len: usize,
    user: Strs<'f>,
    item: Strs<'f>,
    kind: Strs<'f>,
    time: Times<'f>,
    /// The optional `rank` column (checked to fit a `u32`).
    rank: Option<Times<'f>>,
}

impl View<'_> {
    fn row(&self, i: usize) -> core::Interaction {
        core::Interaction {
            user_id: self.user.owned(i),
            item_id: self.item.owned(i),
            kind: self.kind.owned(i),
            // Never null (checked); `i64::MIN` would be rejected by the core with the row.
            timestamp: self.time.get(i).unwrap_or(i64::MIN),
            rank: self
                .rank
                .as_ref()
                .and_then(|r| r.get(i))
                .and_then(|r| r.try_into().ok()),
        }
    }
}

/// The interactions of a frame, in order (see the module docs).
pub(crate) struct Rows<'f> {
    views: Vec<View<'f>>,
    /// The next row to convert: batch and row within it.
    next: (usize, usize),
    /// Rows not yet handed over.
    remaining: usize,
    /// The converted rows of the current block.
    block: Flatten<IntoIter<Vec<core::Interaction>>>,
}

impl Rows<'_> {
    /// Converts the next block, in parallel.
    fn refill(&mut self) {
        let mut tasks: Vec<(usize, Range<usize>)> = Vec::new();
        let mut wanted = BLOCK;
        while wanted > 0 && self.next.0 < self.views.len() {
            let (b, start) = self.next;
            let end = self.views[b].len.min(start + wanted.min(TASK));
            if start < end {
                tasks.push((b, start..end));
                wanted -= end - start;
            }
            self.next = if end >= self.views[b].len {
                (b + 1, 0)
            } else {
                (b, end)
            };
        }
        let views = &self.views;
        let converted: Vec<Vec<core::Interaction>> = tasks
            .into_par_iter()
            .map(|(b, rows)| rows.map(|i| views[b].row(i)).collect())
            .collect();
        self.block = converted.into_iter().flatten();
    }
}

impl Iterator for Rows<'_> {
    type Item = core::Interaction;

    fn next(&mut self) -> Option<core::Interaction> {
        if self.remaining == 0 {
            return None;
        }
        let row = match self.block.next() {
            Some(row) => row,
            None => {
                self.refill();
                self.block.next()?
            }
        };
        self.remaining -= 1;
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl Frame {
    /// The interactions, in order, converted a block at a time as the caller consumes them
    /// (the columns are checked first).
    pub(crate) fn interaction_rows(&self) -> Result<Rows<'_>, ColumnError> {
        let [user, item, kind, time, rank] = &INTERACTIONS;
        let (u, i, k, t, r) = (
            self.required(user)?,
            self.required(item)?,
            self.required(kind)?,
            self.required(time)?,
            self.locate(rank)?,
        );
        let views = self
            .batches()
            .map(|(first, b)| {
                Ok(View {
                    len: b.num_rows(),
                    user: self.strs(b, u, user)?,
                    item: self.strs(b, i, item)?,
                    kind: self.strs(b, k, kind)?,
                    time: self.times(b, t, time)?,
                    rank: Frame::optional(r, |c| self.ranks(b, first, c, rank))?,
                })
            })
            .collect::<Result<Vec<_>, ColumnError>>()?;
        Ok(Rows {
            remaining: views.iter().map(|v| v.len).sum(),
            views,
            next: (0, 0),
            block: Vec::new().into_iter().flatten(),
        })
    }
}
