//! How a file is cut into parts: big enough to stay under S3's 10,000-part limit, never smaller
//! than our minimum, never over S3's 5 GiB part maximum.

use crate::limits::{
    UPLOAD_MAX_OBJECT_SIZE_BYTES, UPLOAD_MAX_PARTS, UPLOAD_MAX_PART_SIZE_BYTES,
    UPLOAD_MIN_PART_SIZE_BYTES,
};

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("file is {size_bytes} bytes; S3 objects can be at most 5 TiB")]
    TooLarge { size_bytes: u64 },
}

/// Part size for a file of `file_size_bytes`: the minimum, grown in whole MiB until the file fits
/// in 10,000 parts.
pub fn part_size_for(file_size_bytes: u64) -> Result<u64, PlanError> {
    if file_size_bytes > UPLOAD_MAX_OBJECT_SIZE_BYTES {
        return Err(PlanError::TooLarge { size_bytes: file_size_bytes });
    }
    let needed = file_size_bytes.div_ceil(UPLOAD_MAX_PARTS);
    let rounded = needed.div_ceil(MIB) * MIB;
    Ok(rounded.clamp(UPLOAD_MIN_PART_SIZE_BYTES, UPLOAD_MAX_PART_SIZE_BYTES))
}

/// The parts of one file: numbers are 1-based as S3 counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    pub file_size_bytes: u64,
    pub part_size_bytes: u64,
}

impl PartPlan {
    pub fn new(file_size_bytes: u64, part_size_bytes: u64) -> Self {
        Self { file_size_bytes, part_size_bytes: part_size_bytes.max(1) }
    }

    /// Number of parts (an empty file still has one, empty, part).
    pub fn part_count(&self) -> u32 {
        self.file_size_bytes.div_ceil(self.part_size_bytes).max(1) as u32
    }

    /// Byte offset and length of part `number` (1-based).
    pub fn range(&self, number: u32) -> (u64, u64) {
        let offset = u64::from(number.saturating_sub(1)) * self.part_size_bytes;
        let len = self.part_size_bytes.min(self.file_size_bytes.saturating_sub(offset));
        (offset, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * MIB;

    #[test]
    fn small_files_use_the_minimum_part_size() {
        assert_eq!(part_size_for(0).unwrap(), 8 * MIB);
        assert_eq!(part_size_for(GIB).unwrap(), 8 * MIB);
        assert_eq!(part_size_for(78 * GIB).unwrap(), 8 * MIB, "78 GiB / 8 MiB = 9984 parts");
    }

    #[test]
    fn large_files_grow_parts_to_stay_under_ten_thousand() {
        for size in [80 * GIB, 200 * GIB, 1024 * GIB, 5 * 1024 * GIB] {
            let part = part_size_for(size).unwrap();
            let plan = PartPlan::new(size, part);
            assert!(u64::from(plan.part_count()) <= 10_000, "{size}: {} parts", plan.part_count());
            assert_eq!(part % MIB, 0);
            assert!(part <= 5 * GIB);
        }
        assert!(part_size_for(5 * 1024 * GIB + 1).is_err());
    }

    #[test]
    fn ranges_cover_the_file_exactly() {
        let plan = PartPlan::new(20 * MIB + 5, 8 * MIB);
        assert_eq!(plan.part_count(), 3);
        assert_eq!(plan.range(1), (0, 8 * MIB));
        assert_eq!(plan.range(3), (16 * MIB, 4 * MIB + 5));
        let total: u64 = (1..=plan.part_count()).map(|n| plan.range(n).1).sum();
        assert_eq!(total, 20 * MIB + 5);
        assert_eq!(PartPlan::new(0, 8 * MIB).part_count(), 1);
    }
}
