#!/bin/bash
# The generated kernel work tree: the pinned base as one commit (tag "base"),
# kernel/patches/ applied on top with git am.  Developers edit and commit in
# build/linux, then export the commits back with "make export".
#
#   tree.sh prepare   create build/linux, or re-apply the series if it changed
#   tree.sh export    write base..HEAD back to kernel/patches/ (+ series file)
#   tree.sh worktree  check out the unpatched base as build/linux-base
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/kernel/BASE"
tree=$top/build/linux
patches=$top/kernel/patches
stamp=$tree/.git/privnode-applied

git_t() { git -C "$tree" "$@"; }

series_hash() {
	(cd "$patches" && cat series && { grep -v '^#' series || true; } | xargs -r cat) | sha256sum | cut -d' ' -f1
}

apply_series() {
	git_t reset -q --hard base
	local p n=0
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		if ! git_t am -q --keep-cr "$patches/$p"; then
			git_t am --abort || true
			echo "tree: $p does not apply; the tree is left at the previous patch" >&2
			exit 1
		fi
		n=$((n + 1))
	done < "$patches/series"
	printf '%s %s\n' "$(series_hash)" "$(git_t rev-parse HEAD)" > "$stamp"
	echo "tree: base + $n patches at $(git_t rev-parse --short HEAD)"
}

prepare() {
	if [ ! -d "$tree/.git" ]; then
		local sum
		sum=$(sha256sum "$BASE_TARBALL" | cut -d' ' -f1)
		if [ "$sum" != "$BASE_SHA256" ]; then
			echo "tree: checksum mismatch for $BASE_TARBALL" >&2
			echo "tree:   expected $BASE_SHA256 (kernel/BASE)" >&2
			echo "tree:   got      $sum" >&2
			exit 1
		fi
		echo "tree: extracting $BASE_PKG $BASE_VERSION into build/linux"
		rm -rf "$tree" "$tree.tmp"
		mkdir -p "$tree.tmp"
		tar -xJf "$BASE_TARBALL" -C "$tree.tmp"
		mv "$tree.tmp/$BASE_TOPDIR" "$tree"
		rmdir "$tree.tmp"
		# Debian's packaging appends "/*" to the top-level .gitignore, which
		# would hide every file of the tree from git.  Drop that block so the
		# base commit tracks the sources and new files show up in git status.
		sed -i '/^# Debian packaging: ignore everything/,$d' "$tree/.gitignore"
		sed -i '${/^#$/d}' "$tree/.gitignore"
		git_t init -q
		# git am needs a committer; authors come from the patches.
		if ! git config user.email >/dev/null; then
			git_t config user.name "privnode build"
			git_t config user.email "build@privnode.invalid"
		fi
		git_t config gc.auto 0
		git_t add -A
		git_t commit -q -m "Debian $BASE_PKG $BASE_VERSION"
		git_t tag base
		apply_series
		return
	fi
	local want have_hash have_head
	want=$(series_hash)
	read -r have_hash have_head < "$stamp" || true
	[ "$want" = "${have_hash:-}" ] && return 0
	if [ "$(git_t rev-parse HEAD)" != "${have_head:-}" ] || [ -n "$(git_t status --porcelain -uno)" ]; then
		echo "tree: kernel/patches changed, but build/linux has commits or edits that" >&2
		echo "tree: were never exported.  Run 'make export' to keep them, or" >&2
		echo "tree: 'make tree-reset' to throw them away and re-apply the series." >&2
		exit 1
	fi
	apply_series
}

export_series() {
	[ -z "$(git_t status --porcelain -uno)" ] ||
		{ echo "tree: build/linux has uncommitted changes; commit them first" >&2; exit 1; }
	rm -f "$patches"/*.patch
	git_t format-patch -q --zero-commit --no-signature -o "$patches" base..HEAD
	{
		echo "# Applied in order onto the base in kernel/BASE (see Documentation/developer-guide.rst)."
		(cd "$patches" && ls -1 -- *.patch 2>/dev/null || true)
	} > "$patches/series"
	printf '%s %s\n' "$(series_hash)" "$(git_t rev-parse HEAD)" > "$stamp"
	echo "tree: exported $(git_t rev-list --count base..HEAD) patches to kernel/patches"
}

case "${1:-}" in
prepare) prepare ;;
reset)
	[ -d "$tree/.git" ] || { prepare; exit; }
	git_t am --abort 2>/dev/null || true
	apply_series ;;
export) export_series ;;
worktree)
	prepare
	if [ ! -d "$top/build/linux-base" ]; then
		git_t worktree prune
		git_t worktree add -q --detach "$top/build/linux-base" base
	fi ;;
*) echo "usage: $0 prepare|reset|export|worktree" >&2; exit 2 ;;
esac
