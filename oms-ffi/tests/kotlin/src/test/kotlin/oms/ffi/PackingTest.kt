package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.Axes
import uniffi.oms_ffi.Container
import uniffi.oms_ffi.Dims
import uniffi.oms_ffi.ItemType
import uniffi.oms_ffi.LoadOptions
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.Orientation
import uniffi.oms_ffi.Placed
import uniffi.oms_ffi.loadContainer
import uniffi.oms_ffi.validateLoad

/** A packing station asks how a carton is filled. */
class PackingTest {
    private val carton = Container(dims = Dims(length = 400u, width = 300u, height = 200u), maxWeight = 10_000uL)

    @Test
    fun `a carton is filled exactly and the load checks out`() {
        val items = listOf(
            ItemType(dims = Dims(length = 200u, width = 150u, height = 100u), weight = 500uL, quantity = 10uL, orientation = Orientation.Any),
        )
        val load = loadContainer(carton, items, null)
        assertEquals(8, load.placed.size) // 2 x 2 x 2
        assertEquals(400uL * 300uL * 200uL, load.volume)
        assertEquals(4_000uL, load.weight)
        validateLoad(carton, items, load.placed)
    }

    @Test
    fun `orientation flags and the weight limit hold`() {
        val lying = listOf(
            ItemType(
                dims = Dims(length = 100u, width = 100u, height = 250u),
                weight = 4_000uL,
                quantity = 3uL,
                orientation = Orientation.Vertical(length = true, width = true, height = false),
            ),
        )
        val load = loadContainer(carton, lying, LoadOptions(tries = 4u, seed = 7uL))
        assertEquals(2, load.placed.size) // a third would pass the 10 kg limit
        assertTrue(load.placed.all { it.axes != Axes.LWH && it.axes != Axes.WLH })
    }

    @Test
    fun `an overlap is refused by name`() {
        val items = listOf(
            ItemType(dims = Dims(length = 200u, width = 150u, height = 100u), weight = 0uL, quantity = 2uL, orientation = Orientation.Fixed),
        )
        val first = Placed(item = 0uL, x = 0u, y = 0u, z = 0u, axes = Axes.LWH)
        val e = assertThrows<OmsFfiException.Validation> {
            validateLoad(carton, items, listOf(first, first.copy(x = 100u)))
        }
        assertTrue(e.message!!.contains("overlaps placed[0]"), e.message)
    }
}
