# One kernel's "make regress" results stream (run-tests.sh framing: "# BEGIN
# regress/NN-DIR.NAME" ... "# END ... rc=N") -> one line per test case:
#   PROG <TAB> CASE <TAB> pass|fail|skip
# PROG is "DIR/NAME".  Each kselftest TAP subtest is a case ("ok N # SKIP"
# and "ok N name # SKIP" are skips, XFAIL passes), named after the "# [RUN]
# what" line before it where the test prints one (cow, gup_longterm, ksm:
# their result lines only say "No leak ..."); every program also gives
# the case "exit status" (0 pass, 4 = KSFT_SKIP skip, else fail), which is
# its only case if it prints no TAP.  A program cut off without an END line
# (crash, timeout) fails its "exit status".
{ sub(/\r$/, "") }
/^# BEGIN / {
	prog = $3
	sub(/^[^\/]*\/[0-9]+-/, "", prog)
	sub(/\./, "/", prog)
	split("", seen)
	run = ""
	next
}
prog != "" && /^# \[RUN\] / {
	run = substr($0, 9)
	sub(/[ .]+$/, "", run)
	next
}
/^# END / {
	rc = $4
	sub(/^rc=/, "", rc)
	print prog "\texit status\t" (rc == 0 ? "pass" : rc == 4 ? "skip" : "fail")
	prog = ""
	next
}
# Output of a failed attempt that was retried (guest-env.sh run_case)
/^# \(attempt [0-9]+ failed\) / { next }
# A diagnostic without its newline glues the next result onto it:
# "# zswpwb_after is 0 while wb is enablednot ok 4 test_zswap_writeback_enabled"
prog != "" && /^#/ && match($0, /(not )?ok [0-9]+ [a-zA-Z_]/) { $0 = substr($0, RSTART) }
prog != "" && /^(not )?ok [0-9]+/ {
	st = ($0 ~ /^not ok/) ? "fail" : "pass"
	line = $0
	sub(/^(not )?ok [0-9]+[ \t]*(- )?/, "", line)
	if (match(line, /(^|[ \t])# *(SKIP|skip|XFAIL|xfail)/)) {
		directive = toupper(substr(line, RSTART, RLENGTH))
		name = substr(line, 1, RSTART - 1)
		if (name ~ /^[ \t]*$/)	# "ok N # SKIP description"
			name = substr(line, RSTART + RLENGTH)
		if (directive ~ /SKIP/)
			st = "skip"
		else if (st == "fail")	# "not ok N # XFAIL": expected failure
			st = "pass"
	} else
		name = line
	if (run != "")
		name = run
	run = ""
	# pagemap_ioctl puts measurements into a name: "transact_test Extra
	# pages 37 (0.1%), extra thread faults 208."
	sub(/^transact_test .*/, "transact_test", name)
	gsub(/^[ \t]+|[ \t]+$/, "", name)
	gsub(/\t/, " ", name)
	if (name == "")
		name = "test " $0
	if (++seen[name] > 1)
		name = name " [" seen[name] "]"
	print prog "\t" name "\t" st
}
END {
	if (prog != "")
		print prog "\texit status\tfail"
}
