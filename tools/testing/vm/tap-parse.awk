# Turn the guest's results stream into one line per test case:
#   ok - TARGET/PROGRAM: CASE            (passed)
#   ok - TARGET/PROGRAM: CASE # SKIP why (skipped)
#   not ok - TARGET/PROGRAM: CASE        (failed)
# A program that reports nothing, or exits non-zero without reporting a
# failure, or never reaches its END line, counts as one failure of its own.
{ sub(/\r$/, "") }
/^# BEGIN / { prog = $3; n = 0; nfail = 0; next }
/^# END / {
	rc = $4; sub(/^rc=/, "", rc)
	if (n == 0)
		print "not ok - " prog ": reported no results (exit status " rc ")"
	else if (rc != 0 && rc != 4 && nfail == 0)
		print "not ok - " prog ": exit status " rc " without a reported failure"
	prog = ""
	next
}
/^# DONE/ { done = 1; next }
prog != "" && /^(not )?ok [0-9]+/ {
	status = ($0 ~ /^not ok/) ? "not ok" : "ok"
	name = $0
	sub(/^(not )?ok [0-9]+( - )? ?/, "", name)
	n++
	if (status == "not ok")
		nfail++
	print status " - " prog ": " name
}
END {
	if (prog != "")
		print "not ok - " prog ": did not finish (guest crashed or timed out)"
	if (!done)
		print "not ok - guest: test runner did not reach its end"
}
