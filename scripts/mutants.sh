#!/usr/bin/env bash
# Mutation pass over Pearl consensus code: cargo-mutants changes the code one small edit at a
# time (a `>` made `>=`, an XOR made OR, a body replaced by a default) and every such mutant must
# make a test fail. A missed mutant is a consensus bug the tests would let through.
#
#   scripts/mutants.sh                     every consensus file (long: see the README)
#   scripts/mutants.sh --in-diff REV       only the code changed since git revision REV
#   scripts/mutants.sh --in-diff REV --max N   ... and at most N mutants (an even sample)
#   scripts/mutants.sh --neon              keyed_batch/neon.rs, cross-built for aarch64 Linux
#                                          and tested under qemu-aarch64 (on an x86_64 machine)
#   scripts/mutants.sh --files             print the consensus files, one per line (no
#                                          cargo-mutants needed: `.ci/run` installs it only
#                                          when one of them changed)
#
# Needs cargo-mutants (`cargo install --locked cargo-mutants@27.1.0`). Results go to
# mutants.out/mutants.out/ (`missed.txt`, `caught.txt`, ...); the exit status is cargo-mutants'
# (2: a mutant was missed, 3: one timed out).
set -euo pipefail
cd "$(dirname "$0")/.."

# The verifier and what it shares with the miner, the miner's fast twins of the commitment,
# jackpot and noise code (the transcript folds from tile lanes included: layout.rs and
# transpose.rs), and the wire formats consensus reads.
miner=(
  crates/pearl-miner/src/verify.rs
  crates/pearl-miner/src/jackpot.rs
  crates/pearl-miner/src/merkle.rs
  crates/pearl-miner/src/commit.rs
  crates/pearl-miner/src/noise.rs
  crates/pearl-miner/src/keyed_batch/mod.rs
  crates/pearl-miner/src/keyed_batch/rounds.rs
  crates/pearl-miner/src/keyed_batch/x86.rs
  crates/pearl-miner/src/noise_batch/mod.rs
  crates/pearl-miner/src/noise_batch/x86.rs
  crates/pearl-miner/src/layout.rs
  crates/pearl-miner/src/transpose.rs
)
protocol=(
  crates/pearl-protocol/src/proof.rs
  crates/pearl-protocol/src/pattern.rs
  crates/pearl-protocol/src/target.rs
)

# The NEON backend is aarch64 code: an x86_64 build does not compile it, so its mutants would
# all be missed unrun. The default pass mutates it only on an aarch64 machine; elsewhere
# `--neon` cross-builds it and runs its tests under qemu-user (below).
neon_file=crates/pearl-miner/src/keyed_batch/neon.rs
[ "$(uname -m)" = aarch64 ] && miner+=("$neon_file")

base="" max="" neon=""
while [ $# -gt 0 ]; do
  case "$1" in
    --files) printf '%s\n' "${miner[@]}" "${protocol[@]}"; exit 0 ;;
    --in-diff) base=${2:?--in-diff needs a git revision}; shift 2 ;;
    --max) max=${2:?--max needs a count}; shift 2 ;;
    --neon) neon=1; shift ;;
    *) echo "usage: scripts/mutants.sh [--in-diff REV [--max N] | --neon | --files]" >&2; exit 64 ;;
  esac
done
if [ -n "$neon" ] && [ -n "$base" ]; then
  echo "--neon runs the whole NEON file (18 mutants): it takes no --in-diff" >&2
  exit 64
fi

command -v cargo-mutants >/dev/null ||
  { echo "cargo-mutants is not installed: cargo install --locked cargo-mutants@27.1.0" >&2; exit 1; }

if [ -n "$neon" ]; then
  # As `.ci/run`'s aarch64 step: Debian's cross linker and C library, qemu's user-mode
  # emulator (-cpu max; the backend needs only NEON, which every aarch64 CPU has). Each mutant
  # rebuilds the library's unit-test binary only and runs the `keyed_batch` tests, which
  # compare the NEON backend, called directly and through the dispatch, with
  # `blake3::keyed_hash` bit for bit (about 2 s under qemu).
  missing=()
  command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
  [ -e /usr/aarch64-linux-gnu/lib/libc.so ] || missing+=(libc6-dev-arm64-cross)
  command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "--neon needs ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
  rustup target list --installed | grep -qx aarch64-unknown-linux-gnu ||
    { echo "--neon needs the aarch64 standard library: rustup target add aarch64-unknown-linux-gnu" >&2; exit 1; }
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
  export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu max"
  exec cargo mutants --no-shuffle --test-package pearl-miner -o mutants.out -f "$neon_file" \
    --cargo-arg=--target=aarch64-unknown-linux-gnu --cargo-arg=--lib -- -- keyed_batch::
fi

# Left out of each mutant's run to keep it to seconds (they still run in `cargo test`):
# - every byte of a mined proof flipped and re-verified (2 s; Pearl's 27 tampered proofs name
#   each check, pearl_kat runs them per mutant);
# - the proptests named `*_never_panic*` (hostile's, rpc's): they look for panics on random
#   draws, so a mutant's verdict would hang on the draw; what they also assert (edited proofs
#   are rejected) the fixed tampered proofs and hostile's fixed cases check per mutant;
# - the one-second bench (a fixed 1 s of mining, the slowest test by far; that its proofs
#   verify is what mine_verify's tests check per mutant).
skips=(--skip tampering_any_byte_breaks_decoding_or_verification --skip _never_panic
  --skip short_bench_reports_consistent_counts)

files=("${miner[@]}" "${protocol[@]}")
file_args=()
for f in "${files[@]}"; do file_args+=(-f "$f"); done
diff_args=() shard=()
if [ -n "$base" ]; then
  mkdir -p mutants.out
  diff=mutants.out/consensus.diff
  git diff "$base" -- "${files[@]}" >"$diff"
  if [ "$(uname -m)" != aarch64 ] && ! git diff --quiet "$base" -- "$neon_file"; then
    echo "$neon_file changed: scripts/mutants.sh --neon tests it (under qemu-aarch64)"
  fi
  if [ ! -s "$diff" ]; then
    echo "no consensus code in this pass changed since $base: no mutants to test"
    exit 0
  fi
  diff_args=(--in-diff "$diff")
  if [ -n "$max" ]; then
    count=$(cargo mutants --list "${file_args[@]}" "${diff_args[@]}" | wc -l)
    if [ "$count" -gt "$max" ]; then
      shards=$(((count + max - 1) / max))
      echo "$count mutants in the change: testing 1 in $shards of them (shard 0/$shards); scripts/mutants.sh --in-diff $base tests them all"
      shard=(--shard "0/$shards" --sharding round-robin)
    fi
  fi
fi

# One pass, so one baseline build: pearl-protocol's mutants need pearl-miner's known answers,
# and pearl-protocol's own tests take seconds. Only the lib's unit tests and the integration
# tests run (doctests test nothing here).
exec cargo mutants --no-shuffle --test-package pearl-miner,pearl-protocol -o mutants.out \
  "${file_args[@]}" "${diff_args[@]}" "${shard[@]}" -- --lib --tests -- "${skips[@]}"
