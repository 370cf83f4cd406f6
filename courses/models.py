"""Learning content: course, lesson and quiz pages, and H5P packages."""
