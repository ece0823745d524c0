//! Shape limits (§4.5) are enforced before mining, each with its own error.

use pearl_miner::shape::Axis;
use pearl_miner::{KernelChoice, MineError, Miner, MinerOptions, Shape, ShapeError};

use crate::common::tiny_shape;

fn with(edit: impl FnOnce(&mut Shape)) -> Result<(), ShapeError> {
    let mut shape = tiny_shape();
    edit(&mut shape);
    shape.validate()
}

#[test]
fn defaults_are_valid() {
    assert_eq!(tiny_shape().validate(), Ok(()));
    let cpu = Shape::default_for_cpu();
    assert_eq!(cpu.validate(), Ok(()));
    assert_eq!((cpu.h(), cpu.w(), cpu.k, cpu.rank), (2, 64, 2048, 128));
    assert_eq!(&cpu.cols_pattern[..4], &[0, 1, 8, 9]);
    assert_eq!(cpu.cols_pattern.last(), Some(&249));
    assert!(cpu.memory_bytes(1) < 16 << 20);
}

#[test]
fn each_limit_has_its_error() {
    assert_eq!(with(|s| s.rank = 96), Err(ShapeError::Rank { rank: 96 }));
    assert_eq!(
        with(|s| s.rank = 2048),
        Err(ShapeError::Rank { rank: 2048 })
    );
    assert_eq!(
        with(|s| {
            s.rank = 64;
            s.k = 1024
        }),
        Err(ShapeError::RankBelowPenaltyBase { rank: 64 })
    );
    assert_eq!(with(|s| s.k = 2080), Err(ShapeError::K { k: 2080 }));
    assert_eq!(with(|s| s.k = 1000), Err(ShapeError::K { k: 1000 }));
    assert_eq!(with(|s| s.k = 70_000), Err(ShapeError::K { k: 70_000 }));
    assert_eq!(
        with(|s| {
            s.rank = 256;
            s.k = 2048
        }),
        Err(ShapeError::KForRank { k: 2048, rank: 256 })
    );
    assert_eq!(
        with(|s| s.rows_pattern = vec![0, 1, 2]),
        Err(ShapeError::TileSideOdd { h: 3, w: 16 })
    );
    assert_eq!(
        with(|s| s.cols_pattern = (0..8).collect()),
        Err(ShapeError::TileSize { h: 2, w: 8 })
    );
    assert_eq!(
        with(|s| s.cols_pattern = (0..130).collect()),
        Err(ShapeError::TileSize { h: 2, w: 130 })
    );
    assert_eq!(
        with(|s| s.m = (1 << 24) + 2),
        Err(ShapeError::DimTooLarge {
            name: "m",
            value: (1 << 24) + 2
        })
    );
    assert_eq!(
        with(|s| s.m = 1),
        Err(ShapeError::TileOutside {
            axis: Axis::Rows,
            offset: 0,
            max: 1,
            dim: 1
        })
    );
    assert_eq!(
        with(|s| s.n = 40),
        Err(ShapeError::NotMultipleOfPeriod {
            axis: Axis::Cols,
            period: 16,
            dim: 40
        })
    );
    assert!(matches!(
        with(|s| s.rows_pattern = vec![0, 1, 3, 4]),
        Err(ShapeError::Pattern {
            axis: Axis::Rows,
            ..
        })
    ));
    assert!(matches!(
        with(|s| s.cols_pattern = vec![]),
        Err(ShapeError::Pattern {
            axis: Axis::Cols,
            ..
        })
    ));
}

#[test]
fn worker_input_limit_is_enforced() {
    // (h + w)·dot_len = (2 + 128)·65536 > 4 MiB.
    let result = with(|s| {
        s.k = 65_536;
        s.rank = 128;
        s.cols_pattern = (0..128).collect();
        s.n = 128;
    });
    assert_eq!(
        result,
        Err(ShapeError::WorkerInput {
            bytes: 130 * 65_536
        })
    );
}

#[test]
fn miner_refuses_invalid_shapes_before_mining() {
    let mut shape = tiny_shape();
    shape.rank = 64;
    shape.k = 1024;
    let err = Miner::new(
        shape,
        MinerOptions {
            threads: 1,
            kernel: KernelChoice::Auto,
        },
    );
    assert!(matches!(
        err,
        Err(MineError::Shape(ShapeError::RankBelowPenaltyBase {
            rank: 64
        }))
    ));
    let err = Miner::new(
        tiny_shape(),
        MinerOptions {
            threads: 0,
            kernel: KernelChoice::Auto,
        },
    );
    assert!(matches!(err, Err(MineError::NoThreads)));
}
