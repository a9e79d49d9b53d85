# Shared by the bench scripts. Input lines: "label|path|result key=value ...". Collects, per label and path, the
# values of value, p99_us, proxy CPU per op (or per MiB) and errors as space-separated lists, labels in first-seen
# order (order[1..count]); field(line, key) reads one key; median(list) of such a list.
function field(line, key,   n, parts, i, kv) {
  n = split(line, parts, " ")
  for (i = 1; i <= n; i++) { split(parts[i], kv, "="); if (kv[1] == key) return kv[2] }
  return ""
}
function median(list,   n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
  if (!($1 in seen)) { seen[$1] = 1; order[++count] = $1 }
  key = $1 SUBSEP $2
  values[key] = values[key] " " field($3, "value")
  p99[key] = p99[key] " " field($3, "p99_us")
  cpu[key] = cpu[key] " " (field($3, "proxy_cpu_us_per_op") field($3, "proxy_cpu_us_per_mib"))
  errors[key] = errors[key] " " field($3, "errors")
}
