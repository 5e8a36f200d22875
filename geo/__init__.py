"""Geography of Beijing: districts, townships, coordinate systems, point assignment, map assets.

Depends on nothing else of ours, so the build script, the loader and the screens can all use it.
"""
