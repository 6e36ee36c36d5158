package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.Article
import uniffi.oms_ffi.Block
import uniffi.oms_ffi.Depot
import uniffi.oms_ffi.Heuristic
import uniffi.oms_ffi.Layout
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.Slot
import uniffi.oms_ffi.Stocked
import uniffi.oms_ffi.Waypoint
import uniffi.oms_ffi.heuristicRoute
import uniffi.oms_ffi.improvedRoute
import uniffi.oms_ffi.optimalRoute
import uniffi.oms_ffi.scatteredRoute

/** A picker's handheld asks for the walk through its picks. */
class PickingTest {
    private fun floor(blocks: Int = 1) = Layout(
        aisles = 3u,
        aislePitch = 3uL,
        blocks = List(blocks) { Block(bays = 10u, bayPitch = 1uL, frontOffset = 1uL, backOffset = 1uL) },
        depot = Depot(aisle = 0u, crossAisle = 0u),
    )

    @Test
    fun `the route visits every pick and comes back`() {
        val route = optimalRoute(floor(), listOf(Slot(block = 0u, aisle = 2u, bay = 1u), Slot(block = 0u, aisle = 0u, bay = 8u)))
        // Up aisle 0 to bay 8 and back (18), across to aisle 2 and back (12), into aisle 2 to bay 1 and back (4).
        assertEquals(34uL, route.distance)
        assertEquals(listOf(0uL, 1uL), route.order.sorted())
        assertEquals(Waypoint(aisle = 0u, y = 0uL), route.path.first())
        assertEquals(Waypoint(aisle = 0u, y = 0uL), route.path.last())
        assertEquals(30uL, optimalRoute(floor(blocks = 2), listOf(Slot(block = 1u, aisle = 1u, bay = 0u))).distance)
    }

    @Test
    fun `the classic heuristics are there by name and never beat the optimum`() {
        val picks = listOf(Slot(block = 0u, aisle = 1u, bay = 2u), Slot(block = 0u, aisle = 2u, bay = 8u))
        val best = optimalRoute(floor(), picks).distance
        for (h in Heuristic.values()) {
            assertTrue(heuristicRoute(floor(), picks, h).distance >= best, h.name)
        }
        // Return: into aisle 1 to y 3 and back, into aisle 2 to y 9 and back, 6 across and back.
        assertEquals(36uL, heuristicRoute(floor(), picks, Heuristic.RETURN).distance)
        // Two blocks: up aisle 1 to the far block (3 + 11), in to bay 0 and out (2),
        // across to aisle 2 and down the near block (3 + 11), home (6).
        val twoBlocks = listOf(Slot(block = 1u, aisle = 1u, bay = 0u), Slot(block = 0u, aisle = 2u, bay = 4u))
        val sShape = heuristicRoute(floor(blocks = 2), twoBlocks, Heuristic.S_SHAPE)
        assertEquals(36uL, sShape.distance)
        assertEquals(listOf(0uL, 1uL), sShape.order)
    }

    @Test
    fun `with scattered storage the route chooses the bins`() {
        val near = Slot(block = 0u, aisle = 0u, bay = 9u)
        val far = Slot(block = 0u, aisle = 2u, bay = 0u)
        val r = scatteredRoute(floor(), listOf(Article(quantity = 1uL, stock = listOf(Stocked(far, 5uL), Stocked(near, 5uL)))))
        assertTrue(r.exact)
        // Bay 0 of aisle 2 is 6 across and 1 in: 14 there and back, against 20 up aisle 0 to bay 9.
        assertEquals(14uL, r.route.distance)
        assertEquals(listOf(far), r.visits.map { it.slot })
    }

    @Test
    fun `a slot off the floor is a validation error`() {
        assertThrows<OmsFfiException.Validation> { optimalRoute(floor(), listOf(Slot(block = 0u, aisle = 9u, bay = 0u))) }
        assertThrows<OmsFfiException.Validation> { optimalRoute(floor().copy(aisles = 0u), emptyList()) }
    }

    @Test
    fun `floors of many blocks are routed by local search`() {
        val picks = List(6) { b -> Slot(block = b.toUInt(), aisle = (b % 3).toUInt(), bay = 5u) }
        val route = improvedRoute(floor(blocks = 6), picks)
        assertEquals((0uL until 6uL).toList(), route.order.sorted())
        assertEquals(route, optimalRoute(floor(blocks = 6), picks))
    }
}
