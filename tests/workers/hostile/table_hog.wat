;; Hostile reactor: grows a table by 16 K elements at a time until a grow is refused,
;; then logs and traps (as memhog does with linear memory).
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (table $t (export "table") 1 funcref)
  (data (i32.const 0) "table.grow refused")  ;; 18 bytes
  (func (export "fetch")
    (loop $more
      (br_if $more (i32.ne (table.grow $t (ref.null func) (i32.const 16384)) (i32.const -1))))
    (call $log (i32.const 0) (i32.const 18))
    unreachable))
