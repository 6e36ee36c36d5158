package oms.ffi

import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import uniffi.oms_ffi.Engine

/**
 * Per-call cost of the Kotlin bindings (JNA + uniffi lifting/lowering + the
 * engine), to compare with the same calls made from Rust
 * (`cargo run --release -p oms-ffi --example overhead`). Prints figures and
 * asserts nothing. Excluded from the normal run; `mvn -B test -Pbench`
 * (or `scripts/test-kotlin.sh --bench`) runs only this.
 */
@Tag("bench")
class OverheadBenchmarkTest {
    private val hold = """{"type":"place_hold","order_id":"SO-B","hold":"bench"}"""
    private val release = """{"type":"release_hold","order_id":"SO-B","hold":"bench"}"""

    /** Median over [batches] of the mean time per call within a batch, in nanoseconds. */
    private fun medianNanosPerCall(callsPerRound: Int, batches: Int = 300, rounds: Int = 200, body: () -> Unit): Double {
        // Warm-up: JIT (C2), JNA's native method binding, the allocator.
        val warmUntil = System.nanoTime() + 2_000_000_000L
        while (System.nanoTime() < warmUntil) repeat(rounds) { body() }
        val perCall = DoubleArray(batches) {
            val start = System.nanoTime()
            repeat(rounds) { body() }
            (System.nanoTime() - start).toDouble() / (rounds * callsPerRound)
        }
        perCall.sort()
        return perCall[batches / 2]
    }

    @Test
    fun `per-call overhead through JNA`() {
        Engine("""{"require_payment": false}""").use { engine ->
            engine.executeJson("""{"type":"define_location","location_id":"WH1","name":"Main","kind":"warehouse"}""", AT)
            engine.executeJson("""{"type":"define_product","sku":"MUG","name":"Mug"}""", AT)
            engine.executeJson("""{"type":"receive_stock","sku":"MUG","location_id":"WH1","quantity":1000}""", AT)
            engine.placeOrder(order("SO-B", "MUG" to 1uL), AT)

            val results = linkedMapOf(
                "execute_json (place_hold / release_hold)" to medianNanosPerCall(2) {
                    engine.executeJson(hold, AT)
                    engine.executeJson(release, AT)
                },
                "typed place_hold / release_hold" to medianNanosPerCall(2) {
                    engine.placeHold("SO-B", "bench", null, AT)
                    engine.releaseHold("SO-B", "bench", AT)
                },
                "available(sku) query" to medianNanosPerCall(1) { engine.available("MUG") },
                "events_applied() (smallest call)" to medianNanosPerCall(1) { engine.eventsApplied() },
            )
            println("Kotlin/JNA, median per call (${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}):")
            results.forEach { (name, nanos) -> println("  %-44s %8.0f ns".format(name, nanos)) }
        }
    }
}
