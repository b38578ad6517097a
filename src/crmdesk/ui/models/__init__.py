"""Qt item models over service read models; they load lazily."""
