exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"
while read -r id vars <&3; do
  eval "export $vars"                        # $texts, $texts_COMMIT, $PACH_DATUM_ID, ...
  if tr a-z A-Z <"$texts" >"/pfs/out/${texts##*/}"; then echo ok >&4; else echo "fail tr: $?" >&4; fi
done
