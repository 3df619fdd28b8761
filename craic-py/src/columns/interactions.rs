//! Columnar interactions read in place: each row is a [`core::InteractionRef`] whose ids borrow
//! the Arrow string buffers (a dictionary column's values are shared by its rows), so a build
//! allocates no `String` per row; the core's bulk loader validates them 65 536 at a time, in
//! parallel, and keeps only its compact copy.

use craic_core as core;

use super::arrays::{Strs, Times};
use super::{ColumnError, Frame, INTERACTIONS};

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

impl<'f> View<'f> {
    fn row(&self, i: usize) -> core::InteractionRef<'f> {
        core::InteractionRef {
            // Never null (checked); `""` would be rejected by the core with the row.
            user_id: self.user.get(i).unwrap_or_default(),
            item_id: self.item.get(i).unwrap_or_default(),
            kind: self.kind.get(i).unwrap_or_default(),
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

/// The interaction columns of a frame, checked, ready to be read as rows as many times as a
/// build needs ([`RowViews::rows`]; a learned blend reads them a few times rather than keeping
/// them).
pub(crate) struct RowViews<'f> {
    views: Vec<View<'f>>,
    len: usize,
}

impl<'f> RowViews<'f> {
    /// The interactions, in order, from the first (see the module docs).
    pub(crate) fn rows(&self) -> Rows<'_, 'f> {
        Rows {
            views: &self.views,
            next: (0, 0),
            remaining: self.len,
        }
    }
}

/// The interactions of a frame, in order (see the module docs).
pub(crate) struct Rows<'v, 'f> {
    views: &'v [View<'f>],
    /// The next row: batch and row within it.
    next: (usize, usize),
    /// Rows not yet handed over.
    remaining: usize,
}

impl<'f> Iterator for Rows<'_, 'f> {
    type Item = core::InteractionRef<'f>;

    fn next(&mut self) -> Option<core::InteractionRef<'f>> {
        loop {
            let (b, i) = self.next;
            let view = self.views.get(b)?;
            if i < view.len {
                self.next = (b, i + 1);
                self.remaining -= 1;
                return Some(view.row(i));
            }
            self.next = (b + 1, 0);
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl Frame {
    /// The interactions, in order, read in place as the caller consumes them (the columns are
    /// checked first).
    pub(crate) fn interaction_rows(&self) -> Result<RowViews<'_>, ColumnError> {
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
        Ok(RowViews {
            len: views.iter().map(|v| v.len).sum(),
            views,
        })
    }
}
