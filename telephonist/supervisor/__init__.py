"""`telephonist run`: every daemon of the system in one supervised process group."""
